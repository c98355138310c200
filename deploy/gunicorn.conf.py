"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py cms.wsgi:application`.

Every value can be overridden from the environment (GUNICORN_BIND, WEB_CONCURRENCY,
GUNICORN_THREADS, GUNICORN_TIMEOUT) so that the systemd unit stays the same on every host.
"""

import multiprocessing
import os

# nginx talks to gunicorn over a Unix socket that systemd's RuntimeDirectory creates.
bind = os.environ.get("GUNICORN_BIND", "unix:/run/yjxf/gunicorn.sock")

# gunicorn's control socket (`gunicornc`), next to the web socket rather than in $HOME,
# which the service user may not have.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "/run/yjxf/gunicorn.ctl")

# Threaded workers: a keep-alive connection or a long download (a team's certificates.zip,
# an .xlsx export) holds a thread, not a whole process.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A request that takes longer is stuck; its worker is replaced. Area-wide exports run in
# Celery, so two minutes is generous for anything served directly.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# On `systemctl reload` (SIGHUP) or stop, requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then so a slow leak in a library never grows without bound; the
# jitter keeps them from restarting all at once.
max_requests = 2000
max_requests_jitter = 200

# Not preloaded: SIGHUP then starts workers on the new code (see README, Upgrading).
preload_app = False

# nginx on the same host sets X-Forwarded-Proto; trust it from the socket only.
forwarded_allow_ips = "127.0.0.1,::1"
proxy_allow_ips = "127.0.0.1,::1"

# Logs go to the journal (systemd captures stdout/stderr).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
