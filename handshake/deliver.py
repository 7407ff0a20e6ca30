"""Delivery by the two channels a subscription may name: email over SMTP (STARTTLS when the server offers it) and
Slack incoming webhooks. Each send either returns (delivered), or raises Retry (worth trying again later: a refusal
for now, a timeout, a server gone) or Refused (it will not work however often it is tried), with the reason."""

import hashlib
import json
import smtplib
import tomllib
import urllib.error
import urllib.request
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from handshake import digest, pack

TIMEOUT_S = 30  # a server that says nothing for this long is retried on the next run
SMTP_KEYS = ("host", "port", "from")


class Retry(Exception):
    """Not delivered this time; the next run tries again."""


class Refused(Exception):
    """Not delivered, and trying again would not help: the reason is recorded and the message marked failed."""


class SettingsError(ValueError):
    """Mail settings that cannot be used; the message says what to put in secrets.toml."""


def smtp_settings(secrets: Path) -> dict:
    """The [handshake.smtp] section of secrets.toml (host, port, username, password, from, optional timeout):
    read here and kept nowhere else, never in the warehouse."""
    try:
        data = tomllib.loads(Path(secrets).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{secrets}: no secrets file, so no mail server is known: add a [handshake.smtp] section "
                            "with host, port, username, password and from.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SettingsError(f"{secrets}: cannot be read as TOML ({e}): fix the file and run this again.") from None
    section = data.get("handshake", {}).get("smtp") or {}
    lacking = [key for key in SMTP_KEYS if not section.get(key)]
    if lacking:
        raise SettingsError(f"{secrets}: [handshake.smtp] lacks {', '.join(lacking)}: add them to send email.")
    return section


def message_id(subscription_id: int, period_key: str, recipient: str) -> str:
    """The same for every attempt at one message, so a mail client can tell a retry that did arrive twice."""
    digest_of = hashlib.sha256(f"{subscription_id}|{period_key}|{recipient}".encode()).hexdigest()[:24]
    return f"<handshake-{digest_of}@handshake.invalid>"


def message(subject: str, sender: str, recipient: str, msg_id: str, at: datetime, text: str,
            html: str) -> EmailMessage:
    """An email written at `at` (naive UTC): its plain text, and its HTML as the alternative a mail client shows."""
    made = EmailMessage()
    made["Subject"], made["From"], made["To"], made["Message-ID"] = subject, sender, recipient, msg_id
    made["Date"] = format_datetime(at.replace(tzinfo=timezone.utc))
    made.set_content(text)
    made.add_alternative(html, subtype="html")
    return made


def email(week_pack: pack.Pack, sender: str, recipient: str, msg_id: str, at: datetime,
          with_csv: bool = False) -> EmailMessage:
    """The digest as an email written at `at` (naive UTC): a plain-text summary, the pack's HTML as the body, its
    PDF attached, and its CSVs as a ZIP when asked for."""
    made = message(f"Handshake digest · {week_pack.title}", sender, recipient, msg_id, at,
                   digest.summary(week_pack) + "\n\nThe pack is attached as a PDF.\n", pack.html(week_pack))
    made.add_attachment(pack.pdf(week_pack), maintype="application", subtype="pdf",
                        filename=f"{week_pack.file_stem}.pdf")
    if with_csv:
        made.add_attachment(pack.csv_zip(week_pack), maintype="application", subtype="zip",
                            filename=f"{week_pack.file_stem}-csv.zip")
    return made


def slack(week_pack: pack.Pack) -> dict:
    """The digest as a Slack message: the scorecard as text. Slack reads &, < and > as markup (links, mentions),
    so they are escaped as its documentation asks, and the text stays text."""
    return slack_payload(digest.summary(week_pack))


def slack_payload(text: str) -> dict:
    """A Slack message whose text stays text: Slack reads &, < and > as markup, escaped as its documentation asks."""
    return {"text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}


def send_email(message: EmailMessage, settings: dict) -> None:
    timeout = float(settings.get("timeout", TIMEOUT_S))
    try:
        # the with-block's quit may find the server gone once the message is accepted: that is still delivered
        with smtplib.SMTP(settings["host"], int(settings["port"]), timeout=timeout) as server:
            server.ehlo()
            if server.has_extn("starttls"):
                server.starttls()
                server.ehlo()
            elif settings.get("username"):  # a password goes over an encrypted connection or not at all
                raise Retry(f"the mail server {settings['host']}:{settings['port']} does not offer STARTTLS, so the "
                            "password is not sent: use its TLS port or a server that offers it")
            if settings.get("username"):
                server.login(settings["username"], settings.get("password", ""))
            server.send_message(message)
    except smtplib.SMTPRecipientsRefused as e:
        codes = [code for code, _ in e.recipients.values()]
        reason = "; ".join(f"{who}: {code} {text.decode(errors='replace')}" for who, (code, text) in e.recipients.items())
        raise (Refused if all(code >= 500 for code in codes) else Retry)(f"the mail server refused {reason}") from None
    except smtplib.SMTPResponseException as e:
        said = f"the mail server replied {e.smtp_code} {e.smtp_error.decode(errors='replace')}"
        raise (Refused if e.smtp_code >= 500 else Retry)(said) from None
    except (smtplib.SMTPException, OSError) as e:
        # smtplib reports a reply that never came as the server disconnecting, the timeout as its cause
        if isinstance(e, TimeoutError) or isinstance(e.__context__, TimeoutError):
            raise Retry(f"the mail server {settings['host']}:{settings['port']} did not answer within "
                        f"{timeout:g} s") from None
        raise Retry(f"could not reach the mail server {settings['host']}:{settings['port']} ({e})") from None


def post_slack(url: str, payload: dict, timeout: float = TIMEOUT_S) -> None:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as e:
        said = f"Slack replied {e.code} {e.reason}"
        # 429: too many messages for now; 5xx: Slack's own trouble. Any other 4xx: the webhook is wrong or revoked
        raise (Retry if e.code == 429 or e.code >= 500 else Refused)(said) from None
    except (urllib.error.URLError, OSError) as e:
        if isinstance(e, TimeoutError) or isinstance(getattr(e, "reason", None), TimeoutError):
            raise Retry(f"Slack did not answer within {timeout:g} s") from None
        raise Retry(f"could not reach Slack ({getattr(e, 'reason', e)})") from None
