"""Re-encrypt every stored ID number with the first key of ID_NUMBER_KEY (after rotation).

Put the new key first in ID_NUMBER_KEY, keeping the old one after it; run this; then the
old key may be removed. Safe to run again: a token already under the first key is
rewritten under it once more.
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from lms import id_crypto
from lms.models import Member

BATCH = 2000


class Command(BaseCommand):
    help = "用 ID_NUMBER_KEY 的第一个密钥重新加密全部身份证号（轮换密钥后运行）。"

    def handle(self, *args, **options):
        quote = connection.ops.quote_name
        total = 0
        for model, pk in ((Member, "id"), (Member.history.model, "history_id")):
            table = quote(model._meta.db_table)
            last = 0
            while True:
                # Raw rows: the tokens themselves, not the numbers the field would decrypt.
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {pk}, id_number FROM {table} WHERE {pk} > %s "
                        f"ORDER BY {pk} LIMIT %s",
                        [last, BATCH],
                    )
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    last = rows[-1][0]
                    cursor.executemany(
                        f"UPDATE {table} SET id_number = %s WHERE {pk} = %s",
                        [(id_crypto.rotate(token), key) for key, token in rows if token],
                    )
                    total += len(rows)
        self.stdout.write(f"已重新加密 {total} 行。")
