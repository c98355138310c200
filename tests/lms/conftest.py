from django.contrib.auth.models import Group, Permission

import pytest

from lms.models import AreaAdministrator
from tests.factories import MemberFactory, TeamFactory, UserFactory, area_tree

RECORD_MODELS = ["team", "member", "instructor", "insurancepolicy", "teamdocument"]


def admin_group(name="测试区域管理员") -> Group:
    """A group with Wagtail admin access and the model permissions on the records."""
    group, _ = Group.objects.get_or_create(name=name)
    codenames = ["access_admin"] + [
        f"{action}_{model}" for model in RECORD_MODELS for action in ("add", "change", "view")
    ]
    group.permissions.set(Permission.objects.filter(codename__in=codenames))
    return group


@pytest.fixture
def world(db):
    """Two counties with a team each; a county administrator of each; a leader; a member."""
    areas = area_tree()
    qingxiu_team = TeamFactory(community=areas["xinzhu_1"])
    liuzhou_team = TeamFactory(community=areas["chengzhong_1"])
    group = admin_group()

    qingxiu_admin = UserFactory(username="qingxiu-admin", groups=[group])
    AreaAdministrator.objects.create(user=qingxiu_admin, area=areas["qingxiu"])
    liuzhou_admin = UserFactory(username="liuzhou-admin", groups=[group])
    AreaAdministrator.objects.create(user=liuzhou_admin, area=areas["chengzhong"])

    leader_user = UserFactory(username="leader", groups=[group])
    leader = MemberFactory(team=qingxiu_team, name="蒙队长", user=leader_user)
    qingxiu_team.leader = leader
    qingxiu_team.save()
    member_user = UserFactory(username="member")
    member = MemberFactory(team=qingxiu_team, name="陆队员", user=member_user)
    other = MemberFactory(team=liuzhou_team, name="柳州队员")
    return {
        "areas": areas,
        "qingxiu_team": qingxiu_team,
        "liuzhou_team": liuzhou_team,
        "qingxiu_admin": qingxiu_admin,
        "liuzhou_admin": liuzhou_admin,
        "leader_user": leader_user,
        "leader": leader,
        "member_user": member_user,
        "member": member,
        "other": other,
    }
