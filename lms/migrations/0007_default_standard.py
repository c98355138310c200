"""The default construction standard and the three plan years' targets (lms.compliance_defaults)."""

from django.db import migrations

from lms.compliance_defaults import create_defaults


def forwards(apps, schema_editor):
    create_defaults(
        apps.get_model("lms", "ComplianceStandard"),
        apps.get_model("lms", "ComplianceCriterion"),
        apps.get_model("lms", "YearlyTarget"),
    )


class Migration(migrations.Migration):
    dependencies = [("lms", "0006_compliance")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
