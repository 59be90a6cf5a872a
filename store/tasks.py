from celery import shared_task


@shared_task(ignore_result=True)
def daily_store_exports() -> list[int]:
    from .daily_export import daily_store_exports_create

    return [job.pk for job in daily_store_exports_create()]
