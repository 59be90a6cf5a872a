"""The roles every installation starts with, as groups with model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
ROLES = {
    "运营": {  # operator: runs stores, orders and the product catalogue
        "store.store": ("change", "view"),
        "store.order": ALL,
        "store.orderitem": ALL,
        "basic.product": ("add", "change", "view"),
        "basic.warehouse": ("view",),
        "basic.logisticscompany": ("view",),
    },
    "客服": {  # customer service: reads orders, fixes addresses and remarks
        "store.store": ("view",),
        "store.order": ("change", "view"),
        "store.orderitem": ("view",),
        "basic.product": ("view",),
    },
    "仓储": {  # warehouse: ships orders, keeps warehouses and carriers
        "store.order": ("change", "view"),
        "store.orderitem": ("view",),
        "basic.product": ("view",),
        "basic.warehouse": ALL,
        "basic.logisticscompany": ALL,
    },
    "管理员": {  # administrator of the back office (not a superuser)
        "store.store": ALL,
        "store.order": ALL,
        "store.orderitem": ALL,
        "basic.product": ALL,
        "basic.warehouse": ALL,
        "basic.logisticscompany": ALL,
        "user.user": ALL,
    },
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for model_label, actions in grants.items():
            app_label, model = model_label.split(".")
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("user", "0001_initial"),
        ("basic", "0001_initial"),
        ("store", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
