"""Failed logins are rate limited (django-axes), per user name and address."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


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
