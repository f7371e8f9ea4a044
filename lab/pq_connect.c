/*
 * pq_connect: connects with one conninfo through the libpq it is linked
 * with and runs `SHOW server_version_num`, like `psql -X -w -At -c`. It
 * exists because Debian's psql 15 cannot load libpq 12 or 13 (it needs
 * PQmblenBounded, which they lack), yet the lab must observe what those
 * libpq versions print. On failure it writes libpq's own error message,
 * unchanged, to stderr and exits 2 (as psql does); on success it prints
 * the value and exits 0. The prototypes are declared here so that no
 * libpq headers are needed: the packaged builds ship none.
 */
#include <stdio.h>

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

extern PGconn *PQconnectdb(const char *conninfo);
extern int PQstatus(const PGconn *conn);
extern char *PQerrorMessage(const PGconn *conn);
extern void PQfinish(PGconn *conn);
extern PGresult *PQexec(PGconn *conn, const char *query);
extern int PQresultStatus(const PGresult *res);
extern char *PQgetvalue(const PGresult *res, int row, int column);
extern void PQclear(PGresult *res);

/* From libpq-fe.h, stable since PostgreSQL 7. */
#define CONNECTION_OK 0
#define PGRES_TUPLES_OK 2

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pq_connect CONNINFO\n");
        return 1;
    }
    PGconn *conn = PQconnectdb(argv[1]);
    if (conn == NULL) {
        fprintf(stderr, "pq_connect: out of memory\n");
        return 2;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        fputs(PQerrorMessage(conn), stderr);
        PQfinish(conn);
        return 2;
    }
    PGresult *res = PQexec(conn, "SHOW server_version_num");
    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        fputs(PQerrorMessage(conn), stderr);
        PQclear(res);
        PQfinish(conn);
        return 1;
    }
    printf("%s\n", PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(conn);
    return 0;
}
