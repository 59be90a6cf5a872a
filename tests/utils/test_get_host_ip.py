import ipaddress
import socket

from utils.get_host_ip import get_ip


def _is_ipv4(value: str) -> bool:
    return isinstance(ipaddress.ip_address(value), ipaddress.IPv4Address)


def test_returns_an_ipv4_address():
    assert _is_ipv4(get_ip())


def test_falls_back_when_connecting_raises_oserror(monkeypatch):
    def no_route(self, address):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket.socket, "connect", no_route)
    address = get_ip()
    assert _is_ipv4(address)
    try:
        expected = socket.gethostbyname(socket.gethostname())
    except OSError:
        expected = "127.0.0.1"
    assert address == expected


def test_last_resort_is_loopback(monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("no")

    monkeypatch.setattr(socket.socket, "connect", fail)
    monkeypatch.setattr(socket, "gethostbyname", fail)
    assert get_ip() == "127.0.0.1"


def test_a_preferred_address_wins():
    assert get_ip(" 10.1.2.3 ") == "10.1.2.3"


def test_oms_host_ip_is_the_address_jobs_report(settings):
    from basic.filejobs.host import host_ip

    settings.HOST_IP = "10.1.2.3"
    assert host_ip() == "10.1.2.3"
