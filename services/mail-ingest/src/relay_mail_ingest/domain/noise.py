"""Mail that must not become a ticket or trigger a reply (`classify`).

Rules, in this order (the first that matches decides):

1. loop: an X-Loop header naming us (our own mail came back).
2. bounce: a multipart/report (or any part) of type delivery-status or feedback-report
   (complaints count as bounces); a null Return-Path `<>` or a mailer-daemon/postmaster
   sender together with a delivery-failure subject or a failure that flufl.bounce finds;
   a delivery-failure subject with failures found. Failed addresses come from flufl.bounce
   and the Final-Recipient/Original-Recipient fields.
3. auto_reply: Auto-Submitted other than `no`, X-Autoreply, X-Autorespond, Precedence
   auto_reply, or a vacation subject (English, Russian, German, French, Spanish, ...).
   X-Auto-Response-Suppress alone is not one: Outlook sets it on ordinary mail.
4. bulk: Precedence bulk/junk/list, List-Id, List-Unsubscribe.
5. None: a person's mail.

Bounces are checked before auto-replies because many MTAs mark their reports
Auto-Submitted too, and the failed recipients matter.
"""

from __future__ import annotations

import email.message
import re
from dataclasses import dataclass

__all__ = ["Verdict", "classify"]


@dataclass(frozen=True)
class Verdict:
    kind: str | None  # None (a person's mail), "bounce", "auto_reply", "loop", "bulk"
    reason: str
    failed: tuple[str, ...] = ()  # the failed recipients of a bounce


_DAEMON = re.compile(
    r"(mailer[-_ ]?daemon|postmaster|mail[-_ ]?delivery[-_ ]?(system|subsystem)?|mdaemon|bounces?\b|"
    r"no[-_]?reply[-_]?bounce|mail\.?admin|double-bounce|MAILER|Delivery Status)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|undelivered|delivery (status notification|failure|failed|has failed|problem|report|notification)"
    r"|mail delivery (failed|failure|system)|returned (mail|to sender)|failure notice|delivery fail"
    r"|could not be delivered|not delivered|non[- ]?remis|unzustellbar|nicht zustellbar|no entregado"
    r"|unable to deliver|message (status|not delivered)|warning: message|rejected|delivery notification"
    r"|Недоставленное|не доставлено|abuse report|complaint|spam report|Returned|Delivery)",
    re.IGNORECASE,
)
_VACATION_SUBJECT = re.compile(
    r"(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|away from (the )?office"
    r"|on vacation|vacation reply|i am away|i'm away|Автоответ|Автоматический ответ|Нет на месте|в отпуске"
    r"|Abwesenheitsnotiz|Automatische Antwort|Abwesenheit|Réponse automatique|Absence du bureau"
    r"|Respuesta automática|Fuera de la oficina|Risposta automatica|Fuori ufficio|Resposta automática"
    r"|Automatisch antwoord|Afwezig)",
    re.IGNORECASE,
)
_RECIPIENT_FIELD = re.compile(
    r"^(Final|Original)-Recipient:\s*(?:[\w.-]+;)?\s*<?([^\s<>;]+@[^\s<>;]+?)>?\s*$", re.I | re.M
)

_BODY_ADDRESS = re.compile(r"^\s*<?([\w.+=-]+@[\w-]+(?:\.[\w-]+)+)>?\s*(?::|\.\.\.|$)", re.M)


def _header(msg: email.message.Message, name: str) -> str:
    try:
        value = msg.get(name)
        return str(value).strip() if value is not None else ""
    except Exception:  # a malformed header must not decide anything
        return ""


def _parts(msg: email.message.Message) -> list[email.message.Message]:
    try:
        return list(msg.walk())
    except Exception:
        return [msg]


def _failed_recipients(msg: email.message.Message, parts: list[email.message.Message]) -> tuple[str, ...]:
    found: list[str] = []
    try:
        from flufl.bounce import all_failures

        permanent, temporary = all_failures(msg)
        for addr in (*permanent, *temporary):
            text = addr.decode("utf-8", "replace") if isinstance(addr, bytes) else str(addr)
            found.append(text)
    except Exception:  # flufl.bounce's detectors choke on some MTAs' reports
        pass
    for part in parts:
        try:
            if part.get_content_type() != "message/delivery-status":
                continue
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else [payload]
            for block in blocks:
                text = block.as_string() if isinstance(block, email.message.Message) else str(block)
                found.extend(m.group(2) for m in _RECIPIENT_FIELD.finditer(text))
        except Exception:
            continue
    if not found:
        # Plain-text reports (Postfix, qmail, Exim...): "<a@b>: reason" or "a@b" alone on a line.
        for part in parts:
            try:
                if part.get_content_type() != "text/plain":
                    continue
                text = part.get_payload(decode=True).decode("utf-8", "replace")
            except Exception:
                continue
            found.extend(m.group(2) for m in _RECIPIENT_FIELD.finditer(text))
            found.extend(_BODY_ADDRESS.findall(text))
            break
    for header in ("X-Failed-Recipients", "Original-Rcpt-To"):
        value = _header(msg, header)
        found.extend(a.strip(" <>") for a in re.split(r"[,\s]+", value) if "@" in a)
    seen: dict[str, None] = {}
    for addr in found:
        addr = addr.strip().strip("<>").strip()
        if "@" in addr:
            seen.setdefault(addr.lower(), None)
    return tuple(seen)


def _classify(msg: email.message.Message, our_loop_id: str) -> Verdict:
    loops = msg.get_all("X-Loop") or []
    if our_loop_id and any(our_loop_id.lower() in str(v).lower() for v in loops):
        return Verdict("loop", f"X-Loop names us ({our_loop_id})")

    parts = _parts(msg)
    content_type = msg.get_content_type()
    report_type = (msg.get_param("report-type") or "") if content_type == "multipart/report" else ""
    report_type = str(report_type).lower()
    part_types = {p.get_content_type() for p in parts}
    sender = _header(msg, "From")
    subject = _header(msg, "Subject")
    return_path = _header(msg, "Return-Path")
    daemon = bool(_DAEMON.search(sender))
    null_path = return_path.replace(" ", "") == "<>"
    bounce_subject = bool(_BOUNCE_SUBJECT.search(subject))
    # The returned original: a notification that merely says "bounce" carries none.
    returned = bool(part_types & {"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"})

    reason = ""
    failed: tuple[str, ...] = ()
    if report_type in ("delivery-status", "feedback-report"):
        reason = f"multipart/report; report-type={report_type}"
    elif "message/delivery-status" in part_types or "message/feedback-report" in part_types:
        reason = "a delivery-status or feedback-report part"
    elif (daemon or null_path) and bounce_subject:
        failed = _failed_recipients(msg, parts)
        if daemon or null_path or failed or returned:
            who = "a mailer daemon" if daemon else "a null Return-Path"
            reason = f"delivery-failure subject from {who}: {subject[:80]}"
    elif daemon or null_path or bounce_subject:
        failed = _failed_recipients(msg, parts)
        if failed and (daemon or null_path):
            reason = "failed recipients found in a mail from a mailer daemon"
    if reason and not failed:
        failed = _failed_recipients(msg, parts)
    if reason:
        return Verdict("bounce", reason, failed)

    auto_submitted = _header(msg, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return Verdict("auto_reply", f"Auto-Submitted: {auto_submitted}")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _header(msg, name):
            return Verdict("auto_reply", f"{name} header")
    precedence = _header(msg, "Precedence").lower()
    if precedence == "auto_reply":
        return Verdict("auto_reply", "Precedence: auto_reply")
    if _VACATION_SUBJECT.search(subject):
        return Verdict("auto_reply", f"vacation subject: {subject[:80]}")

    if precedence in ("bulk", "junk", "list"):
        return Verdict("bulk", f"Precedence: {precedence}")
    for name in ("List-Id", "List-Unsubscribe"):
        if _header(msg, name):
            return Verdict("bulk", f"{name} header")
    return Verdict(None, "a person's mail")


def classify(msg: email.message.Message, *, our_loop_id: str = "relay") -> Verdict:
    """Whether `msg` is a bounce, an auto-reply, our own loop, bulk mail, or a person's mail."""
    try:
        return _classify(msg, our_loop_id)
    except Exception as exc:  # never lose a message to the classifier: treat it as a person's
        return Verdict(None, f"could not classify: {type(exc).__name__}")
