from django.conf import settings
from django.core.management.base import BaseCommand

from store.demo import ADMIN_USERNAME, OPERATOR_USERNAME, demo_data_seed


class Command(BaseCommand):
    help = (
        "Create demo stores, products, warehouses, carriers, orders and two accounts. "
        "Safe to run twice: existing rows are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=300, help="demo orders to create")

    def handle(self, *args, orders, **options):
        password = settings.DEMO_PASSWORD or None
        report = demo_data_seed(orders=orders, password=password)
        summary = ", ".join(f"{name} {count}" for name, count in report.created.items())
        self.stdout.write(f"Demo data: created {summary}.")
        accounts = f"'{ADMIN_USERNAME}' (superuser) or '{OPERATOR_USERNAME}' (TB001, TM001, JD001)"
        if report.admin_password:
            self.stdout.write(
                self.style.SUCCESS(f"Log in as {accounts} with password: {report.admin_password}")
            )
        else:
            self.stdout.write(
                f"Log in as {accounts} with the password printed when they were created "
                "(or OMS_DEMO_PASSWORD)."
            )
