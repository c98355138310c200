"""Sign in with a username or with the mobile number on a member's record."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .services.members import MOBILE


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and MOBILE.match(username.strip()):
            user_model = get_user_model()
            user = (
                user_model.objects.filter(member__phone=username.strip(), is_active=True)
                .order_by("pk")
                .first()
            )
            if user is not None:
                if user.check_password(password):
                    return user
                return None
        return super().authenticate(request, username=username, password=password, **kwargs)
