from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _memberships_in(organisation_ids: set[int]) -> int:
    from ikoe.accounts.models import Membership

    return Membership.objects.filter(agency_id__in=organisation_ids).count()


class AccountsConfig(AppConfig):
    name = "ikoe.accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        # Moving an organisation to another Land must not carry its members' access along:
        # the organisations app asks its registered counters before such a move.
        from ikoe.organisations.services import ACCESS_TIES

        if _memberships_in not in ACCESS_TIES:
            ACCESS_TIES.append(_memberships_in)
