"""Writes the inbound mail corpus: messages shaped the way real servers and clients send them.

Run once (`python deskpact/mail/tests/corpus/make_corpus.py`) and keep the .eml files; the
tests read the files, never this script. Each message is written as exact bytes: CRLF or
LF line endings, folded headers, encoded words and MIME boundaries as found in the wild.
The expected outcome of every file is in deskpact/mail/tests/test_corpus.py.

Conventions the tests rely on: the original message of the threading cases is
plain_text.eml (Message-ID <plain-1@acme.example>); `DP-424242` in a subject stands for
the ticket that message opened and `<ack@deskpact.localhost>` for the desk's
acknowledgement of it; the tests put in the real key and Message-ID before delivering.
"""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(name: str, text: str, *, crlf: bool = False, body: bytes | None = None) -> None:
    """Headers (and body) given with LF; CRLF files get every line end converted."""
    data = text.encode("utf-8") if body is None else text.encode("ascii") + body
    if crlf:
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    (HERE / name).write_bytes(data)


def b64(data: bytes, width: int = 76) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return "\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))


def word(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode('ascii')}?="


RECEIVED = (
    "Return-Path: <{sender}>\n"
    "Delivered-To: support@deskpact.localhost\n"
    "Received: from mx.acme.example (mx.acme.example [192.0.2.10])\n"
    "\tby mail.deskpact.localhost (Postfix) with ESMTPS id 4Zx1Q\n"
    "\tfor <support@deskpact.localhost>; Mon, 02 Nov 2026 09:14:03 +0000 (UTC)\n"
)


def received(sender: str = "alice@acme.example") -> str:
    return RECEIVED.format(sender=sender)


def main() -> None:
    # --- plain and structured -----------------------------------------------------------
    write(
        "plain_text.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: Acme Support <support@deskpact.localhost>\n"
        "Subject: VPN drops every hour\n"
        "Date: Mon, 2 Nov 2026 10:14:02 +0100\n"
        "Message-ID: <plain-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
        "Hello,\n\nthe VPN drops every hour on the hour since Friday.\n\nAlice\n",
    )
    write(
        "plain_crlf_folded.eml",
        received() + "From: Alice Example\n <alice@acme.example>\n"
        "To: support@deskpact.localhost,\n\tsecond@deskpact.localhost\n"
        "Subject: The printer on the third floor\n"
        "  prints only blank pages\n"
        "Date: Mon, 2 Nov 2026 10:20:00 +0100\n"
        "Message-ID:\n <folded-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: text/plain;\n\tcharset="utf-8";\n\tformat=flowed\n'
        "\n"
        "Since the toner change every page comes out blank.\n",
        crlf=True,
    )
    write(
        "multipart_alternative.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Cannot open the shared calendar\n"
        "Date: Mon, 2 Nov 2026 11:02:40 +0100\n"
        "Message-ID: <CAB1x2y3z@mail.acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"\n'
        "\n"
        "--000000000000a1b2c3d4e5f60718\n"
        'Content-Type: text/plain; charset="UTF-8"\n'
        "\n"
        "The shared calendar says access denied since this morning.\n"
        "\n"
        "--000000000000a1b2c3d4e5f60718\n"
        'Content-Type: text/html; charset="UTF-8"\n'
        "\n"
        '<div dir="ltr">The shared calendar says <b>access denied</b> since this morning.'
        "</div>\n"
        "\n"
        "--000000000000a1b2c3d4e5f60718--\n",
        crlf=True,
    )
    write(
        "html_only_script.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Invoice total is wrong\n"
        "Date: Mon, 2 Nov 2026 11:30:00 +0100\n"
        "Message-ID: <html-only-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "<html><head><style>p{color:red}</style><script>alert('head')</script></head>=\n"
        '<body onload=3D"steal()">\n'
        "<p onclick=3D\"alert('x')\">Our invoice total is wrong: it says 1.200 instead o=\n"
        "f 120.</p>\n"
        "<script type=3D\"text/javascript\">document.location=3D'https://evil.example/'=\n"
        "</script>\n"
        '<p><a href=3D"https://acme.example/invoices/7" onmouseover=3D"x()">Invoice 7</a=\n'
        "></p>\n"
        '<img src=3D"https://track.example/pixel.gif?u=3Dalice" width=3D"1" height=3D"1">\n'
        "</body></html>\n",
        crlf=True,
    )
    jp_subject = "請求書の金額について"
    jp_body = "お世話になっております。\n先月の請求書の金額が違います。\nよろしくお願いします。\n"
    write(
        "iso2022jp.eml",
        received("taro@acme.example")
        + "From: "
        + word("山田 太郎", "iso-2022-jp")
        + " <taro@acme.example>\n"
        "To: support@deskpact.localhost\n"
        f"Subject: {word(jp_subject, 'iso-2022-jp')}\n"
        "Date: Tue, 3 Nov 2026 09:00:00 +0900\n"
        "Message-ID: <20261103090000.ABCD@acme.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=ISO-2022-JP\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n",
        body=jp_body.encode("iso-2022-jp"),
        crlf=True,
    )
    write(
        "windows1252_undeclared.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Refund of the licence fee\n"
        "Date: Tue, 3 Nov 2026 10:00:00 +0100\n"
        "Message-ID: <cp1252-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n",
        body="We were charged 49 € twice \u2013 please refund the “second” charge.\r\n".encode(
            "windows-1252"
        ),
        crlf=True,
    )
    write(
        "latin1_declared_cp1252_bytes.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Price list\n"
        "Date: Tue, 3 Nov 2026 10:05:00 +0100\n"
        "Message-ID: <latin1-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n",
        body="The “basic” plan costs 9 € a month, says the caf\u00e9\u2019s page.\r\n".encode(
            "windows-1252"
        ),
        crlf=True,
    )
    write(
        "base64_body.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Zugang gesperrt\n"
        "Date: Tue, 3 Nov 2026 10:10:00 +0100\n"
        "Message-ID: <b64-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        + b64("Mein Zugang ist gesperrt, obwohl ich das Passwort geändert habe.\n".encode())
        + "\n",
        crlf=True,
    )
    qp = quopri.encodestring(
        ("Le résumé du ticket précédent est illisible; " * 3 + "merci.\n").encode()
    ).decode("ascii")
    write(
        "quoted_printable.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: =?utf-8?Q?R=C3=A9sum=C3=A9_illisible?=\n"
        "Date: Tue, 3 Nov 2026 10:15:00 +0100\n"
        "Message-ID: <qp-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n" + qp,
        crlf=True,
    )
    # --- missing and repeated identifiers -----------------------------------------------
    write(
        "missing_message_id.eml",
        received() + "From: alice@acme.example\n"
        "To: support@deskpact.localhost\n"
        "Subject: Sent from an old scanner\n"
        "Date: Tue, 3 Nov 2026 10:20:00 +0100\n"
        "\n"
        "Scan attached? No: the scanner sends only this text.\n",
    )
    write(
        "missing_date.eml",
        received() + "From: alice@acme.example\n"
        "To: support@deskpact.localhost\n"
        "Subject: No date on this one\n"
        "Message-ID: <nodate-1@acme.example>\n"
        "\n"
        "My mail client forgets the Date header.\n",
    )
    write(
        "duplicate_message_id_a.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Badge reader at the door\n"
        "Date: Tue, 3 Nov 2026 11:00:00 +0100\n"
        "Message-ID: <12345@localhost.localdomain>\n"
        "\n"
        "The badge reader at the side door is dead.\n",
    )
    write(
        "duplicate_message_id_b.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Coffee machine\n"
        "Date: Wed, 4 Nov 2026 08:00:00 +0100\n"
        "Message-ID: <12345@localhost.localdomain>\n"
        "\n"
        "A different message: the coffee machine leaks. Same Message-ID, badly made.\n",
    )
    # --- threading ----------------------------------------------------------------------
    write(
        "reply_in_reply_to.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Re: Received: [DP-424242] VPN drops every hour\n"
        "Date: Mon, 2 Nov 2026 12:00:00 +0100\n"
        "Message-ID: <reply-irt-1@acme.example>\n"
        "In-Reply-To: <ack@deskpact.localhost>\n"
        "\n"
        "It dropped again at noon.\n"
        "\n"
        "On Mon, 2 Nov 2026 at 10:15, Acme Support <support@deskpact.localhost> wrote:\n"
        "> We have received your request.\n",
        crlf=True,
    )
    write(
        "reply_references_only.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Re: VPN\n"
        "Date: Mon, 2 Nov 2026 12:30:00 +0100\n"
        "Message-ID: <reply-refs-1@acme.example>\n"
        "References: <unrelated-old@acme.example>\n"
        " <plain-1@acme.example>\n"
        "\n"
        "Another drop at 12:30, now with the client log.\n",
        crlf=True,
    )
    write(
        "reply_subject_key.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: RE: [DP-424242] VPN drops every hour\n"
        "Date: Mon, 2 Nov 2026 13:00:00 +0100\n"
        "Message-ID: <reply-key-1@acme.example>\n"
        "\n"
        "Our network team says the firewall is fine.\n",
    )
    write(
        "reply_forged_reference.eml",
        received("bob@globex.example") + "From: Bob <bob@globex.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Re: [DP-424242] VPN drops every hour\n"
        "Date: Mon, 2 Nov 2026 13:10:00 +0100\n"
        "Message-ID: <forged-1@globex.example>\n"
        "In-Reply-To: <plain-1@acme.example>\n"
        "References: <plain-1@acme.example>\n"
        "\n"
        "Let me in on Acme's ticket, please.\n",
    )
    write(
        "reply_gmail_wrapped_attribution.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Re: [DP-424242] VPN drops every hour\n"
        "Date: Mon, 2 Nov 2026 14:00:00 +0100\n"
        "Message-ID: <CAGmail-2@mail.gmail.example>\n"
        "In-Reply-To: <plain-1@acme.example>\n"
        "References: <plain-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="0000000000008f1e9d05b2a3c4d5"\n'
        "\n"
        "--0000000000008f1e9d05b2a3c4d5\n"
        'Content-Type: text/plain; charset="UTF-8"\n'
        "\n"
        "Thanks, the new client fixed it.\n"
        "\n"
        "On Mon, 2 Nov 2026 at 13:40, Sam Agent from Acme Support <\n"
        "support@deskpact.localhost> wrote:\n"
        "\n"
        "> Please install client 5.2 and tell us whether it still drops.\n"
        ">\n"
        "> Sam\n"
        "\n"
        "--0000000000008f1e9d05b2a3c4d5\n"
        'Content-Type: text/html; charset="UTF-8"\n'
        "\n"
        '<div dir="ltr">Thanks, the new client fixed it.</div><br><div class="gmail_quote">'
        "On Mon, 2 Nov 2026 at 13:40 wrote:<blockquote>Please install client 5.2"
        "</blockquote></div>\n"
        "\n"
        "--0000000000008f1e9d05b2a3c4d5--\n",
        crlf=True,
    )
    write(
        "reply_outlook_original_message.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: AW: [DP-424242] VPN drops every hour\n"
        "Date: Mon, 2 Nov 2026 14:30:00 +0100\n"
        "Message-ID: <AM0PR01MB1234@eurprd01.prod.outlook.example>\n"
        "Thread-Topic: VPN drops every hour\n"
        "Thread-Index: AQHZ1234567890abcdef==\n"
        "In-Reply-To: <plain-1@acme.example>\n"
        'Content-Type: text/plain; charset="iso-8859-1"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Hi Sam,\n"
        "\n"
        "the VPN is stable since the update. Please close the ticket.\n"
        "\n"
        "Alice\n"
        "\n"
        "-----Original Message-----\n"
        "From: Acme Support <support@deskpact.localhost>=20\n"
        "Sent: Monday, November 2, 2026 1:40 PM\n"
        "To: Alice Example <alice@acme.example>\n"
        "Subject: [DP-424242] VPN drops every hour\n"
        "\n"
        "Please install client 5.2.\n",
        crlf=True,
    )
    write(
        "reply_signature.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Re: [DP-424242] VPN drops every hour\n"
        "Date: Mon, 2 Nov 2026 15:00:00 +0100\n"
        "Message-ID: <sig-1@acme.example>\n"
        "In-Reply-To: <plain-1@acme.example>\n"
        "\n"
        "One more thing: it also happens on the guest network.\n"
        "\n"
        "-- \n"
        "Alice Example | Head of Office | Acme Ltd\n"
        "+44 20 7946 0000\n",
    )
    # --- forwarded and nested -----------------------------------------------------------
    write(
        "forwarded_inline.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Fwd: Your order 4711 could not be shipped\n"
        "Date: Tue, 3 Nov 2026 12:00:00 +0100\n"
        "Message-ID: <fwd-inline-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "\n"
        "Can you look into this? The customer forwarded it to me.\n"
        "\n"
        "---------- Forwarded message ---------\n"
        "From: Shop <orders@shop.example>\n"
        "Date: Tue, 3 Nov 2026 at 08:00\n"
        "Subject: Your order 4711 could not be shipped\n"
        "To: <customer@home.example>\n"
        "\n"
        "Order 4711 could not be shipped: the address is incomplete.\n",
    )
    inner = (
        "From: Shop <orders@shop.example>\n"
        "To: Alice Example <alice@acme.example>\n"
        "Subject: Payment reminder 2026-118\n"
        "Date: Mon, 2 Nov 2026 07:00:00 +0000\n"
        "Message-ID: <reminder-118@shop.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="inner-boundary-77"\n'
        "\n"
        "--inner-boundary-77\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Reminder: invoice 2026-118 is overdue.\n"
        "--inner-boundary-77\n"
        'Content-Type: application/pdf; name="reminder-118.pdf"\n'
        'Content-Disposition: attachment; filename="reminder-118.pdf"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(b"%PDF-1.4\n% reminder\n%%EOF\n") + "\n"
        "--inner-boundary-77--\n"
    )
    write(
        "forwarded_as_attachment.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: FW: Payment reminder 2026-118\n"
        "Date: Tue, 3 Nov 2026 12:10:00 +0100\n"
        "Message-ID: <fwd-attached-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="_004_AM0PR01MB_"\n'
        "\n"
        "--_004_AM0PR01MB_\n"
        'Content-Type: text/plain; charset="us-ascii"\n'
        "\n"
        "We paid this one last week, see the forwarded reminder.\n"
        "\n"
        "--_004_AM0PR01MB_\n"
        "Content-Type: message/rfc822\n"
        'Content-Disposition: attachment; filename="Payment reminder 2026-118.eml"\n'
        "\n" + inner + "\n"
        "--_004_AM0PR01MB_--\n",
        crlf=True,
    )
    write(
        "nested_rfc822.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Two levels of forwarding\n"
        "Date: Tue, 3 Nov 2026 12:20:00 +0100\n"
        "Message-ID: <nested-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="outer-b"\n'
        "\n"
        "--outer-b\n"
        "Content-Type: text/plain\n"
        "\n"
        "The bank forwarded the shop's reminder; both attached.\n"
        "--outer-b\n"
        "Content-Type: message/rfc822\n"
        "\n"
        "From: Bank <noreply@bank.example>\n"
        "Subject: Fw: Payment reminder\n"
        "Message-ID: <bank-fw@bank.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="middle-b"\n'
        "\n"
        "--middle-b\n"
        "Content-Type: text/plain\n"
        "\n"
        "Forwarded by your bank.\n"
        "--middle-b\n"
        "Content-Type: message/rfc822\n"
        "\n" + inner + "\n"
        "--middle-b--\n"
        "\n"
        "--outer-b--\n",
    )
    write(
        "calendar_invite.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Invitation: Migration review @ Thu 5 Nov 2026 10:00 - 11:00 (CET)\n"
        "Date: Tue, 3 Nov 2026 13:00:00 +0100\n"
        "Message-ID: <invite-1@calendar.acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="00000000000012ab34cd56ef"\n'
        "\n"
        "--00000000000012ab34cd56ef\n"
        'Content-Type: multipart/alternative; boundary="00000000000012ab34cd56ee"\n'
        "\n"
        "--00000000000012ab34cd56ee\n"
        'Content-Type: text/plain; charset="UTF-8"\n'
        "\n"
        "Migration review, Thursday 5 November 10:00 - 11:00 (CET). Join to plan the cut-over.\n"
        "--00000000000012ab34cd56ee\n"
        'Content-Type: text/calendar; charset="UTF-8"; method=REQUEST\n'
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
        "BEGIN:VCALENDAR\n"
        "PRODID:-//Acme//Calendar 1.0//EN\n"
        "VERSION:2.0\n"
        "METHOD:REQUEST\n"
        "BEGIN:VEVENT\n"
        "DTSTART:20261105T090000Z\n"
        "DTEND:20261105T100000Z\n"
        "UID:migration-review-1@calendar.acme.example\n"
        "SUMMARY:Migration review\n"
        "ORGANIZER;CN=Alice Example:mailto:alice@acme.example\n"
        "END:VEVENT\n"
        "END:VCALENDAR\n"
        "--00000000000012ab34cd56ee--\n"
        "--00000000000012ab34cd56ef\n"
        'Content-Type: application/ics; name="invite.ics"\n'
        'Content-Disposition: attachment; filename="invite.ics"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n") + "\n"
        "--00000000000012ab34cd56ef--\n",
        crlf=True,
    )
    # --- automatic mail, loops and bounces ----------------------------------------------
    write(
        "out_of_office_auto_submitted.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Automatic reply: [DP-424242] VPN drops every hour\n"
        "Date: Mon, 2 Nov 2026 10:15:05 +0100\n"
        "Message-ID: <ooo-1@acme.example>\n"
        "In-Reply-To: <ack@deskpact.localhost>\n"
        "Auto-Submitted: auto-replied\n"
        "X-Auto-Response-Suppress: All\n"
        "\n"
        "I am out of the office until 9 November with no access to mail.\n",
        crlf=True,
    )
    write(
        "out_of_office_x_autoreply.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Out of office Re: [DP-424242] VPN drops every hour\n"
        "Date: Mon, 2 Nov 2026 10:15:07 +0100\n"
        "Message-ID: <ooo-2@acme.example>\n"
        "In-Reply-To: <ack@deskpact.localhost>\n"
        "X-Autoreply: yes\n"
        "\n"
        "Thank you for your message. I am on leave until Monday.\n",
    )
    write(
        "auto_generated_new.eml",
        received() + "From: Monitoring <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: [ALERT] Disk /var at 95%\n"
        "Date: Mon, 2 Nov 2026 03:00:00 +0000\n"
        "Message-ID: <alert-9981@monitor.acme.example>\n"
        "Auto-Submitted: auto-generated\n"
        "\n"
        "Disk /var on db1 is at 95%.\n",
    )
    write(
        "auto_submitted_no.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Sent by hand, says the header\n"
        "Date: Mon, 2 Nov 2026 09:00:00 +0100\n"
        "Message-ID: <asno-1@acme.example>\n"
        "Auto-Submitted: no\n"
        "\n"
        "A person wrote this and wants an answer.\n",
    )
    write(
        "dsn_bounce.eml",
        "Return-Path: <>\n"
        "Delivered-To: support@deskpact.localhost\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx.acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Date: Mon, 2 Nov 2026 10:16:00 +0100 (CET)\n"
        "Message-ID: <20261102091600.7F1@mx.acme.example>\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        '\tboundary="7F1A2B3C.1730538960/mx.acme.example"\n'
        "\n"
        "This is a MIME-encapsulated message.\n"
        "\n"
        "--7F1A2B3C.1730538960/mx.acme.example\n"
        "Content-Description: Notification\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "This is the mail system at host mx.acme.example.\n"
        "\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients.\n"
        "\n"
        "<alice@acme.example>: mailbox full\n"
        "\n"
        "--7F1A2B3C.1730538960/mx.acme.example\n"
        "Content-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mx.acme.example\n"
        "Arrival-Date: Mon,  2 Nov 2026 10:15:59 +0100 (CET)\n"
        "\n"
        "Final-Recipient: rfc822; alice@acme.example\n"
        "Original-Recipient: rfc822;alice@acme.example\n"
        "Action: failed\n"
        "Status: 5.2.2\n"
        "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n"
        "\n"
        "--7F1A2B3C.1730538960/mx.acme.example\n"
        "Content-Description: Undelivered Message Headers\n"
        "Content-Type: text/rfc822-headers\n"
        "\n"
        "From: Acme Support <support@deskpact.localhost>\n"
        "To: alice@acme.example\n"
        "Subject: Received: [DP-424242] VPN drops every hour\n"
        "Message-ID: <ack@deskpact.localhost>\n"
        "\n"
        "--7F1A2B3C.1730538960/mx.acme.example--\n",
        crlf=True,
    )
    write(
        "dsn_from_ordinary_address.eml",
        "Return-Path: <>\n"
        "From: Mail Delivery Subsystem <mail-noreply@relay.acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Delivery Status Notification (Failure)\n"
        "Date: Mon, 2 Nov 2026 10:17:00 +0100\n"
        "Message-ID: <dsn-relay-1@relay.acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; boundary="dsn-relay"; report-type=delivery-status\n'
        "\n"
        "--dsn-relay\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "\n"
        "Your message wasn't delivered to alice@acme.example.\n"
        "--dsn-relay\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; relay.acme.example\n"
        "\n"
        "Final-Recipient: rfc822; alice@acme.example\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "--dsn-relay--\n",
    )
    write(
        "mailer_daemon_plain.eml",
        "Return-Path: <>\n"
        "From: MAILER-DAEMON@mx.globex.example (Mail Delivery System)\n"
        "To: support@deskpact.localhost\n"
        "Subject: failure notice\n"
        "Date: Mon, 2 Nov 2026 10:18:00 +0100\n"
        "Message-ID: <qmail-1@mx.globex.example>\n"
        "X-Failed-Recipients: alice@acme.example\n"
        "\n"
        "Hi. This is the qmail-send program at mx.globex.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "<alice@acme.example>:\nSorry, no mailbox here by that name.\n",
    )
    write(
        "own_address.eml",
        "Return-Path: <support@deskpact.localhost>\n"
        "From: Acme Support <SUPPORT@Deskpact.Localhost>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Received: [DP-424242] VPN drops every hour\n"
        "Date: Mon, 2 Nov 2026 10:15:00 +0100\n"
        "Message-ID: <own-1@deskpact.localhost>\n"
        "Auto-Submitted: auto-replied\n"
        "\n"
        "We have received your request.\n",
    )
    write(
        "precedence_bulk.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Newsletter November\n"
        "Date: Mon, 2 Nov 2026 06:00:00 +0000\n"
        "Message-ID: <news-11@acme.example>\n"
        "Precedence: bulk\n"
        "\n"
        "Our November newsletter.\n",
    )
    write(
        "precedence_list_list_id.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: it-users@lists.acme.example\n"
        "Cc: support@deskpact.localhost\n"
        "Subject: [it-users] Who else cannot print?\n"
        "Date: Mon, 2 Nov 2026 09:30:00 +0100\n"
        "Message-ID: <list-post-1@acme.example>\n"
        "Precedence: list\n"
        "List-Id: IT users <it-users.lists.acme.example>\n"
        "List-Unsubscribe: <mailto:it-users-leave@lists.acme.example>\n"
        "\n"
        "Who else cannot print on the third floor?\n",
    )
    write(
        "list_id_only.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: [ops] Maintenance window\n"
        "Date: Mon, 2 Nov 2026 09:40:00 +0100\n"
        "Message-ID: <list-post-2@acme.example>\n"
        "List-Id: <ops.lists.acme.example>\n"
        "\n"
        "Maintenance on Saturday from 06:00.\n",
    )
    write(
        "x_loop_desk.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Received: your request\n"
        "Date: Mon, 2 Nov 2026 10:15:30 +0100\n"
        "Message-ID: <loop-1@acme.example>\n"
        "X-Loop: deskpact.localhost\n"
        "\n"
        "An automatic forward of the desk's own mail, coming back.\n",
    )
    # --- broken and hostile -------------------------------------------------------------
    write(
        "broken_boundary_unclosed.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Truncated by the sending server\n"
        "Date: Tue, 3 Nov 2026 14:00:00 +0100\n"
        "Message-ID: <broken-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="==b1=="\n'
        "\n"
        "--==b1==\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "The export job stopped half way; log attached.\n"
        "--==b1==\n"
        'Content-Type: text/plain; name="export.log"\n'
        'Content-Disposition: attachment; filename="export.log"\n'
        "\n"
        "12:00 start\n12:03 row 118220\n",
        crlf=True,
    )
    write(
        "broken_boundary_mismatch.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Boundary does not match\n"
        "Date: Tue, 3 Nov 2026 14:05:00 +0100\n"
        "Message-ID: <broken-2@acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="declared-boundary"\n'
        "\n"
        "--actual-boundary\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "The label printer prints every label twice.\n"
        "--actual-boundary--\n",
    )
    write(
        "broken_no_boundary_parameter.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Multipart without a boundary\n"
        "Date: Tue, 3 Nov 2026 14:10:00 +0100\n"
        "Message-ID: <broken-3@acme.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed\n"
        "\n"
        "The scanner on floor two jams on every page.\n",
    )
    write(
        "broken_base64.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Garbled base64\n"
        "Date: Tue, 3 Nov 2026 14:15:00 +0100\n"
        "Message-ID: <broken-4@acme.example>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        + b64(b"The wifi password on the card is wrong.\n")
        + "\n!!this line is not base64 at all!!\n",
    )
    write(
        "unknown_charset.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: =?x-unknown-2026?Q?Strange_label?=\n"
        "Date: Tue, 3 Nov 2026 14:20:00 +0100\n"
        "Message-ID: <charset-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="x-user-defined-2026"\n'
        "Content-Transfer-Encoding: 8bit\n"
        "\n",
        body="My client labels its text with a charset nobody knows: naïve café.\n".encode(),
    )
    write(
        "nul_byte.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Binary junk\x00 in the subject\n"
        "Date: Tue, 3 Nov 2026 14:25:00 +0100\n"
        "Message-ID: <nul-1@acme.example>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n",
        body=b"The log line reads: status\x00 ok\x00\nand then nothing.\n",
    )
    write(
        "header_injection_subject.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        f"Subject: {word('Hello' + chr(13) + chr(10) + 'Bcc: victim@evil.example')}\n"
        "Date: Tue, 3 Nov 2026 14:30:00 +0100\n"
        "Message-ID: <inject-1@acme.example>\n"
        "\n"
        "A perfectly ordinary question.\n",
        crlf=True,
    )
    write("empty.eml", "")
    write(
        "raw_utf8_headers.eml",
        received() + "From: Åsa Öberg <asa@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Lösenordet fungerar inte\n"
        "Date: Tue, 3 Nov 2026 14:35:00 +0100\n"
        "Message-ID: <smtputf8-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
        "Mitt lösenord fungerar inte längre.\n",
    )
    write(
        "encoded_name_with_comma.eml",
        received("hans@acme.example")
        + "From: =?iso-8859-1?Q?M=FCller=2C_Hans?= <hans@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: =?UTF-8?Q?Caf=C3=A9?= =?UTF-8?Q?_machine?= broken\n"
        "Date: Tue, 3 Nov 2026 14:40:00 +0100\n"
        "Message-ID: <comma-1@acme.example>\n"
        "\n"
        "The café machine on floor four is broken.\n",
    )
    # --- attachments --------------------------------------------------------------------
    write(
        "attachment_pdf_rfc2231_name.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Invoice for March\n"
        "Date: Tue, 3 Nov 2026 15:00:00 +0100\n"
        "Message-ID: <att-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="Apple-Mail=_5C7A1E2F"\n'
        "\n"
        "--Apple-Mail=_5C7A1E2F\n"
        "Content-Transfer-Encoding: 7bit\n"
        "Content-Type: text/plain;\n\tcharset=us-ascii\n"
        "\n"
        "The March invoice is attached; the VAT line is missing.\n"
        "\n"
        "--Apple-Mail=_5C7A1E2F\n"
        "Content-Disposition: attachment;\n"
        "\tfilename*=utf-8''Rechnung%20M%C3%A4rz.pdf\n"
        "Content-Type: application/pdf;\n"
        "\tx-unix-mode=0644;\n"
        "\tname*=utf-8''Rechnung%20M%C3%A4rz.pdf\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n") + "\n"
        "--Apple-Mail=_5C7A1E2F--\n",
        crlf=True,
    )
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    write(
        "html_inline_image.eml",
        received() + "From: Alice Example <alice@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Error dialog screenshot\n"
        "Date: Tue, 3 Nov 2026 15:10:00 +0100\n"
        "Message-ID: <inline-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/related; boundary="rel-1"; type="text/html"\n'
        "\n"
        "--rel-1\n"
        "Content-Type: text/html; charset=utf-8\n"
        "\n"
        '<p>This dialog appears at start-up:</p><p><img src="cid:shot1@acme"></p>\n'
        "--rel-1\n"
        "Content-Type: image/png\n"
        "Content-ID: <shot1@acme>\n"
        'Content-Disposition: inline; filename="dialog.png"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(png) + "\n"
        "--rel-1--\n",
    )
    write(
        "attachment_only.eml",
        received() + "From: alice@acme.example\n"
        "To: support@deskpact.localhost\n"
        "Subject: scan0001\n"
        "Date: Tue, 3 Nov 2026 15:20:00 +0100\n"
        "Message-ID: <scan-1@acme.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="scan-b"\n'
        "\n"
        "--scan-b\n"
        'Content-Type: image/jpeg; name="scan0001.jpg"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9") + "\n"
        "--scan-b--\n",
    )
    write(
        "no_subject_empty_body.eml",
        received() + "From: alice@acme.example\n"
        "To: support@deskpact.localhost\n"
        "Date: Tue, 3 Nov 2026 15:30:00 +0100\n"
        "Message-ID: <empty-body-1@acme.example>\n"
        "\n",
    )
    # --- senders the desk does not know -------------------------------------------------
    write(
        "unknown_sender_known_domain.eml",
        received("carol@acme.example") + "From: Carol Newcomer <Carol@ACME.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: First time writing in\n"
        "Date: Tue, 3 Nov 2026 16:00:00 +0100\n"
        "Message-ID: <carol-1@acme.example>\n"
        "\n"
        "I joined Acme last week and cannot sign in to the portal.\n",
    )
    write(
        "unknown_sender_unknown_domain.eml",
        received("dana@freemail.example") + "From: Dana <dana@freemail.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Question about your product\n"
        "Date: Tue, 3 Nov 2026 16:10:00 +0100\n"
        "Message-ID: <dana-1@freemail.example>\n"
        "\n"
        "Does the product run on ARM?\n",
    )
    write(
        "unknown_sender_team_no_seat.eml",
        received("erin@acme.example") + "From: Erin <erin@acme.example>\n"
        "To: support@deskpact.localhost\n"
        "Subject: Need access to the build server\n"
        "Date: Tue, 3 Nov 2026 16:20:00 +0100\n"
        "Message-ID: <erin-1@acme.example>\n"
        "\n"
        "Please give me access to the build server.\n",
    )


if __name__ == "__main__":
    main()
