"""Failed logins, limited three ways (django-axes handler; docs/OPERATIONS.md, "Logins").

* per user name and address (axes itself): ``OMS_LOGIN_FAILURE_LIMIT`` failures;
* per address, whatever the user names (password spraying from one address):
  ``OMS_LOGIN_ADDRESS_FAILURE_LIMIT`` failures;
* for the whole site (spraying from many addresses): once ``OMS_LOGIN_GLOBAL_FAILURE_LIMIT``
  failures have been seen, any address that failed even once is locked out. Addresses
  that did not fail (people who type their password right) still get in.

All three count the failures of the last ``OMS_LOGIN_COOLOFF_MINUTES``; a lockout ends
when its failures are that old. A successful login forgets that user name's failures at
that address only, so an attacker cannot clear the count by logging in as themselves.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum


def client_address(request) -> str:
    """The address the limits count: REMOTE_ADDR, or behind ``OMS_PROXY_COUNT`` reverse
    proxies the client's address as the outermost proxy saw it, taken from the right of
    X-Forwarded-For so that a client cannot choose it by sending its own header."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [address for address in forwarded if address]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote


def _failures(request, **where) -> int:
    recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
    return recent.filter(**where).aggregate(n=Sum("failures_since_start"))["n"] or 0


class LoginLimitsHandler(AxesDatabaseHandler):
    """Axes' database handler plus the per-address and site-wide limits."""

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self._over_wider_limits(request)

    def _over_wider_limits(self, request) -> bool:
        address = request.axes_ip_address
        address_failures = _failures(request, ip_address=address)
        if address_failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return True
        return address_failures > 0 and _failures(request) >= settings.LOGIN_GLOBAL_FAILURE_LIMIT

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """Record the failure; the one that reaches a wider limit answers "locked" at once."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.is_whitelisted(request, credentials):
            return
        if self._over_wider_limits(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
