from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_entry_dates(apps, schema_editor):
    ProjectExpense = apps.get_model("projects", "ProjectExpense")
    LedgerEntry = apps.get_model("resources", "LedgerEntry")
    entry_date = LedgerEntry.objects.filter(pk=OuterRef("entry_id")).values("date")
    ProjectExpense.objects.update(date=Subquery(entry_date))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_list_order_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="projectexpense",
            name="date",
            field=models.DateField(editable=False, null=True, verbose_name="支出日期"),
        ),
        migrations.RunPython(copy_entry_dates, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="projectexpense",
            name="date",
            field=models.DateField(editable=False, verbose_name="支出日期"),
        ),
        migrations.AddIndex(
            model_name="projectexpense",
            index=models.Index(fields=["date", "id"], name="projects_expense_date_id"),
        ),
    ]
