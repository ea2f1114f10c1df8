/*
 * A stand-in for `gbdt train` built with --features mpi, to test the MPI
 * plumbing of the image until the real binary exists. Same command line:
 *
 *   mpirun -np N standin train DATA.csv --target COL -o OUT
 *
 * Every rank counts the data rows of its own line range of DATA.csv (the
 * header is not a row), or of all of its own file with
 * --data-per-rank 'PART-{rank}.csv' in place of DATA.csv; the counts and
 * the ranks' numbers (rank + 1) are all-reduced, the host names gathered,
 * and rank 0 writes OUT atomically (OUT.tmp, then rename):
 *
 *   ranks 2
 *   rows 1000
 *   rank_sum 3
 *   host 0 worker-0
 *   host 1 worker-1
 *
 * A file that cannot be read by any rank fails every rank with exit code 3,
 * the failing rank naming itself and its file, as gbdt does.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOST_LEN 64

/* Data rows (lines after the header) of DATA, or -1 when unreadable. */
static long count_lines(const char *path, long first, long end)
{
    FILE *f = fopen(path, "r");
    long line = 0, rows = 0;
    int c, prev = '\n';
    if (!f)
        return -1;
    while ((c = fgetc(f)) != EOF) {
        if (prev == '\n') {
            line++;
            if (line >= 2 && line - 2 >= first && line - 2 < end)
                rows++;
        }
        prev = c;
    }
    fclose(f);
    return rows;
}

/* The value after NAME (or its short form SHORT), or NULL. */
static const char *flag_arg(int argc, char **argv, const char *name, const char *short_name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name) || (short_name && !strcmp(argv[i], short_name)))
            return argv[i + 1];
    return NULL;
}

/* PATTERN with its first "{rank}" replaced by RANK. */
static void rank_path(char *buf, size_t n, const char *pattern, long rank)
{
    const char *at = strstr(pattern, "{rank}");
    if (!at)
        snprintf(buf, n, "%s", pattern);
    else
        snprintf(buf, n, "%.*s%ld%s", (int)(at - pattern), pattern, rank, at + 6);
}

static int write_result(const char *out, int size, long rows, long rank_sum,
                        const char *hosts)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return 1;
    fprintf(f, "ranks %d\nrows %ld\nrank_sum %ld\n", size, rows, rank_sum);
    for (int r = 0; r < size; r++)
        fprintf(f, "host %d %s\n", r, hosts + (size_t)r * HOST_LEN);
    if (fclose(f) != 0 || rename(tmp, out) != 0)
        return 1;
    return 0;
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *out = flag_arg(argc, argv, "--output", "-o");
    const char *per_rank = flag_arg(argc, argv, "--data-per-rank", NULL);
    if (argc < 3 || strcmp(argv[1], "train") || !out || (!per_rank && argv[2][0] == '-')) {
        if (rank == 0)
            fprintf(stderr, "usage: standin train (DATA.csv | --data-per-rank 'PART-{rank}.csv')"
                            " --target COL -o OUT\n");
        MPI_Finalize();
        return 2;
    }
    char path[4096];
    long mine;
    if (per_rank) {
        /* Every rank reads all of its own file. */
        rank_path(path, sizeof path, per_rank, rank);
        mine = count_lines(path, 0, __LONG_MAX__);
    } else {
        /* Rank r takes rows [total*r/size, total*(r+1)/size): one pass to
         * count them all, as a real reader would know its byte range instead. */
        snprintf(path, sizeof path, "%s", argv[2]);
        long total = count_lines(path, 0, __LONG_MAX__);
        mine = total < 0 ? -1
            : count_lines(path, total * rank / size, total * (rank + 1) / size);
    }
    long bad_rank = mine < 0 ? rank : size, first_bad;
    MPI_Allreduce(&bad_rank, &first_bad, 1, MPI_LONG, MPI_MIN, MPI_COMM_WORLD);
    if (first_bad < size) {
        if (rank == first_bad)
            fprintf(stderr, "rank %ld: cannot read %s\n", first_bad, path);
        MPI_Finalize();
        return 3;
    }
    long local[2] = {mine, rank + 1}, global[2];
    MPI_Allreduce(local, global, 2, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    char host[HOST_LEN] = {0};
    gethostname(host, HOST_LEN - 1);
    char *hosts = rank == 0 ? calloc((size_t)size, HOST_LEN) : NULL;
    MPI_Gather(host, HOST_LEN, MPI_CHAR, hosts, HOST_LEN, MPI_CHAR, 0, MPI_COMM_WORLD);
    int rc = 0;
    if (rank == 0) {
        rc = write_result(out, size, global[0], global[1], hosts);
        if (rc)
            fprintf(stderr, "rank 0: cannot write %s\n", out);
        free(hosts);
    }
    MPI_Finalize();
    return rc;
}
