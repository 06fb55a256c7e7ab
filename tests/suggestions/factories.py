import factory

from suggestions.codes import new_code
from suggestions.models import Category, Channel, HandlingUnit, State, Suggestion
from tests.stations.factories import StationFactory


class HandlingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandlingUnit

    name = factory.Sequence(lambda n: f"测试镇人民政府{n}")
    level = HandlingUnit.Level.TOWNSHIP
    contact_name = "李科长"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"类别{n}")
    default_unit = factory.SubFactory(HandlingUnitFactory)
    position = factory.Sequence(lambda n: n)


class SubmittedSuggestionFactory(factory.django.DjangoModelFactory):
    """A freshly submitted suggestion written straight to the table.

    For database-constraint tests only: any later state must be reached through the services
    in suggestions/services.py, as a user would.
    """

    class Meta:
        model = Suggestion

    tracking_code = factory.LazyFunction(new_code)
    title = factory.Sequence(lambda n: f"路灯不亮{n}")
    content = "小区门口的路灯坏了一个月，晚上出行不便。"
    category = factory.SubFactory(CategoryFactory)
    station = factory.SubFactory(StationFactory)
    channel = Channel.ONLINE
    state = State.SUBMITTED
