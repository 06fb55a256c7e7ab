from django.db import migrations


def fill_paths(apps, schema_editor):
    """Every existing area's path from its root, one tree level at a time."""
    Region = apps.get_model("stations", "Region")
    level = list(Region.objects.filter(parent__isnull=True))
    depth = 0
    while level:
        for region in level:
            parent_path = region.parent.path if region.parent_id else "/"
            region.path = f"{parent_path}{region.pk}/"
            region.depth = depth
        Region.objects.bulk_update(level, ["path", "depth"], batch_size=500)
        level = list(Region.objects.filter(parent__in=level).select_related("parent"))
        depth += 1


class Migration(migrations.Migration):
    dependencies = [("stations", "0003_region_province_city_and_path")]

    operations = [migrations.RunPython(fill_paths, migrations.RunPython.noop)]
