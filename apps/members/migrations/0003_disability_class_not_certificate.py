"""Keep only the class digits of a disability certificate: its first 18 are the ID number."""

from django.db import migrations, models


def keep_class_digits(apps, schema_editor):
    Person = apps.get_model("members", "Person")
    for person in Person.objects.exclude(disability_certificate_number="").only("pk", "disability_certificate_number"):
        Person.objects.filter(pk=person.pk).update(disability_class=person.disability_certificate_number[18:20])


class Migration(migrations.Migration):
    dependencies = [("members", "0002_identity_tags_rules_and_role_permissions")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="disability_class",
            field=models.CharField(blank=True, editable=False, max_length=2, verbose_name="残疾类别与等级"),
        ),
        migrations.RunPython(keep_class_digits, migrations.RunPython.noop),
        migrations.RemoveField(model_name="person", name="disability_certificate_number"),
    ]
