"""Telling residents that their suggestion moved (accepted, replied, closed).

The portal calls ``notify_resident`` after the transition's transaction commits; a notifier
that fails is logged and never undoes the state change. The backend is a setting
(``PORTAL_NOTIFIER``):

- ``suggestions.notifiers.LoggingNotifier`` (default): writes one log line per message, with the
  phone masked. Good for development and for offices that feed back by phone themselves.
- ``suggestions.notifiers.SmsGatewayNotifier``: the shape for production. It POSTs JSON
  ``{"phone": …, "template": …, "params": {...}}`` to ``SMS_GATEWAY_URL`` with the bearer token
  ``SMS_GATEWAY_TOKEN``. Government SMS platforms (政务短信平台) take pre-approved templates, so the
  message is a template id plus parameters, never free text. It needs the two settings and
  network access to the gateway; it is not enabled in the demo.
"""

import json
import logging
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from congress_portal.masking import mask_phone

from .codes import format_code

logger = logging.getLogger("portal.notify")


@dataclass(frozen=True)
class Message:
    phone: str
    template: str  # accepted | replied | closed | reopened
    tracking_code: str
    title: str


class LoggingNotifier:
    def send(self, message: Message) -> None:
        logger.info(
            "notify %s about %s (%s)",
            mask_phone(message.phone),
            message.template,
            message.title[:30],
        )


class SmsGatewayNotifier:
    timeout = 5

    def send(self, message: Message) -> None:
        url = getattr(settings, "SMS_GATEWAY_URL", "")
        token = getattr(settings, "SMS_GATEWAY_TOKEN", "")
        if not url:
            raise RuntimeError("SMS_GATEWAY_URL is not configured")
        body = json.dumps(
            {
                "phone": message.phone,
                "template": message.template,
                "params": {"code": format_code(message.tracking_code), "title": message.title[:20]},
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (URL comes from settings)
            url,
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            response.read()


def get_notifier():
    return import_string(settings.PORTAL_NOTIFIER)()


def notify_resident(*, phone: str, template: str, tracking_code: str, title: str) -> None:
    """Send now; called from ``transaction.on_commit``. Never raises."""
    if not phone:
        return
    try:
        get_notifier().send(
            Message(phone=phone, template=template, tracking_code=tracking_code, title=title)
        )
    except Exception:  # a failed message must never lose the state change
        logger.exception("notifying the resident of %s failed", template)
