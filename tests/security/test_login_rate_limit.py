"""Failed logins are rate limited (django-axes, user/login_limits.py): per user name and
address, per address whatever the user names, and for the whole site."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password, address="127.0.0.1", **headers):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address,
        **headers,
    )  # fmt: skip


def test_after_five_failures_even_the_right_password_is_refused(client):
    UserFactory(username="victim")
    UserFactory(username="bystander")
    for _ in range(4):
        assert _login(client, "victim", "guess").status_code == 200  # the form again, with an error
    assert _login(client, "victim", "guess").status_code == 429  # the fifth failure locks
    locked = _login(client, "victim", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert _login(client, "bystander", PASSWORD).status_code == 302  # others still get in


def test_a_success_resets_the_count(client):
    UserFactory(username="forgetful")
    for _ in range(4):
        _login(client, "forgetful", "guess")
    assert _login(client, "forgetful", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "forgetful", "guess")
    assert _login(client, "forgetful", PASSWORD).status_code == 302


def test_password_spraying_from_one_address_is_locked_out_after_twenty_failures(client, settings):
    """Four guesses on each of many user names, as a spraying script does (the default
    OMS_LOGIN_ADDRESS_FAILURE_LIMIT is 20): the 20th failure locks the address out."""
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20
    names = [UserFactory(username=f"sprayed{n}").username for n in range(5)]
    UserFactory(username="attacker")
    statuses = []
    for name in names:
        for _guess in range(4):
            statuses.append(_login(client, name, "guess", address="203.0.113.7").status_code)
        # logging in as oneself between rounds does not clear the address's count
        if name != names[-1]:
            assert _login(client, "attacker", PASSWORD, address="203.0.113.7").status_code == 302
            client.logout()
    assert statuses == [200] * 19 + [429]
    assert _login(client, names[0], PASSWORD, address="203.0.113.7").status_code == 429
    assert _login(client, "attacker", PASSWORD, address="203.0.113.7").status_code == 429
    assert _login(client, names[0], PASSWORD, address="198.51.100.1").status_code == 302


def test_past_the_global_limit_every_address_that_failed_is_locked_out(client, settings):
    settings.LOGIN_GLOBAL_FAILURE_LIMIT = 6
    UserFactory(username="target")
    addresses = [f"192.0.2.{n}" for n in range(1, 7)]
    statuses = [_login(client, "target", "guess", address=a).status_code for a in addresses]
    assert statuses == [200] * 5 + [429]
    assert _login(client, "target", PASSWORD, address=addresses[0]).status_code == 429
    assert _login(client, "target", PASSWORD, address="192.0.2.200").status_code == 302


def test_behind_a_proxy_the_client_address_counts_and_cannot_be_forged(client, settings):
    """With OMS_PROXY_COUNT=1, the address the proxy appended to X-Forwarded-For counts;
    an address the client put in front of it changes nothing."""
    settings.PROXY_COUNT = 1
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    UserFactory(username="colleague")
    for n in range(3):
        forged = (
            f"10.9.9.{n}, 203.0.113.9"  # what the proxy passes on: the client's forgery, then it
        )
        response = _login(
            client, f"name{n}", "guess", address="10.0.0.2", HTTP_X_FORWARDED_FOR=forged
        )
    assert response.status_code == 429
    other_client = {"HTTP_X_FORWARDED_FOR": "198.51.100.4"}  # another office, same proxy
    assert (
        _login(client, "colleague", PASSWORD, address="10.0.0.2", **other_client).status_code == 302
    )
