"""This host's IPv4 address, as other hosts on the network see it."""

import ipaddress
import socket

# Any routable address works: connecting a UDP socket sends no packet, it only asks the
# kernel which local address it would use for that route.
_PROBE_ADDRESS = ("8.8.8.8", 80)


def _is_ipv4(value: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(value), ipaddress.IPv4Address)
    except ValueError:
        return False


def get_ip(preferred: str = "") -> str:
    """Return this server's IPv4 address; never raises.

    ``preferred`` (the project passes ``OMS_HOST_IP``) wins; otherwise the address of the
    default route, then the hostname's address, then ``127.0.0.1``.
    """
    if preferred.strip():
        return preferred.strip()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_PROBE_ADDRESS)
            address = probe.getsockname()[0]
        if _is_ipv4(address):
            return address
    except OSError:
        pass
    try:
        address = socket.gethostbyname(socket.gethostname())
        if _is_ipv4(address):
            return address
    except OSError:
        pass
    return "127.0.0.1"
