import factory

from accounts.models import Role, User

# Satisfies every password validator: 12+ characters, four classes, no context word.
PASSWORD = "Kq7!vt-Wm2xz-Rb"


class UserFactory(factory.django.DjangoModelFactory):
    """A staff account without a role; the role factories below set one."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.django.Password(PASSWORD)


class OfficeUserFactory(UserFactory):
    role = Role.OFFICE


class StationStaffUserFactory(UserFactory):
    role = Role.STATION_STAFF


class DelegateUserFactory(UserFactory):
    role = Role.DELEGATE


class UnitStaffUserFactory(UserFactory):
    role = Role.UNIT_STAFF
