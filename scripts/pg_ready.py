"""Exit 0 when the PostgreSQL server in argv[1] answers, 1 otherwise (bounded: 5 s)."""

import sys

import psycopg

try:
    psycopg.connect(
        sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=5
    ).close()
except psycopg.Error:
    sys.exit(1)
