"""Claims and retry times on outgoing mail; the sweep's index; no separate ticket index."""

import django.db.models.deletion
from django.db import migrations, models

from deskpact.core.db_indexes import drop_column_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0002_initial"),
        ("tickets", "0004_fewer_write_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="outgoingmail",
            name="next_attempt_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Claimed by a sender until then, or, after a failure, retried then.",
                null=True,
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_column_indexes("mail_outgoingmail", ["ticket_id"])],
            state_operations=[
                migrations.AlterField(
                    model_name="outgoingmail",
                    name="ticket",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outgoing_mail",
                        to="tickets.ticket",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="outgoingmail",
            index=models.Index(
                condition=models.Q(("sent_at__isnull", True)),
                fields=["created_at"],
                name="outgoing_unsent",
            ),
        ),
    ]
