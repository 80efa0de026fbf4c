using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Pulse.Api.Data;

/// <summary>What a database exception means for the caller, whatever the provider and however EF Core wrapped it.</summary>
internal static class DatabaseErrors
{
    // PostgreSQL error codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
    private const string PostgresUniqueViolation = "23505";
    private const string PostgresSequenceExhausted = "2200H";
    private const string PostgresDiskFull = "53100";
    private const string PostgresReadOnlyTransaction = "25006";

    // SQLite result codes: https://www.sqlite.org/rescode.html
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;
    private const int SqliteTooBig = 18;
    private const int SqliteConstraintTrigger = 1811;
    private const int SqliteReadOnly = 8;
    private const int SqliteFull = 13;

    /// <summary>What the id-range triggers of migration 0003 (SQLite) raise when an insert lands above 2^53 - 1.</summary>
    private const string SqliteIdRangeExhausted = "id range exhausted";

    public static DatabaseErrorKind Classify(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException { SqlState: PostgresUniqueViolation }:
                case SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: SqliteConstraintPrimaryKey or SqliteConstraintUnique }:
                    return DatabaseErrorKind.Conflict;

                // No id left to generate: the identity reached its limit of 2^53 - 1 (migration 0003).
                case PostgresException { SqlState: PostgresSequenceExhausted }:
                case SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: SqliteConstraintTrigger } trigger
                    when trigger.Message.Contains(SqliteIdRangeExhausted, StringComparison.Ordinal):
                    return DatabaseErrorKind.IdsExhausted;

                // Class 22 (data exception) and 23 (integrity constraint): the values were refused. Input
                // validation should have caught them first; this keeps a gap there from becoming a 500.
                case PostgresException postgres when postgres.SqlState.StartsWith("22", StringComparison.Ordinal) || postgres.SqlState.StartsWith("23", StringComparison.Ordinal):
                case SqliteException { SqliteErrorCode: SqliteConstraint or SqliteTooBig }:
                    return DatabaseErrorKind.Rejected;

                // Class 08 (connection exception) and 57P01-03 (the server shut down or is starting): the
                // connection is gone, like the ones still in the pool.
                case PostgresException postgres when postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState is "57P01" or "57P02" or "57P03":
                case NpgsqlException and not PostgresException:
                case SocketException:
                case TimeoutException:
                    return DatabaseErrorKind.Unreachable;

                // The database answers but cannot take writes: its disk (or size limit) is full, or its file, file
                // system or server is read-only (a standby, default_transaction_read_only).
                case PostgresException { SqlState: PostgresDiskFull }:
                case SqliteException { SqliteErrorCode: SqliteFull }:
                    return DatabaseErrorKind.Full;
                case PostgresException { SqlState: PostgresReadOnlyTransaction }:
                case SqliteException { SqliteErrorCode: SqliteReadOnly }:
                    return DatabaseErrorKind.ReadOnly;

                case DbException:
                    return DatabaseErrorKind.Unavailable;
            }
        }

        return DatabaseErrorKind.None;
    }

    public static bool IsConflict(Exception exception) => Classify(exception) == DatabaseErrorKind.Conflict;
}

internal enum DatabaseErrorKind
{
    /// <summary>Not a database error.</summary>
    None,

    /// <summary>A key that already exists (409).</summary>
    Conflict,

    /// <summary>A value the database refused (400).</summary>
    Rejected,

    /// <summary>An item without an id, when every id the service may generate (up to 2^53 - 1) is used up (507).</summary>
    IdsExhausted,

    /// <summary>No connection: refused, broken or timed out (503; pooled connections are suspect).</summary>
    Unreachable,

    /// <summary>The server answered with an error that is not about the request: shutting down, out of connections, schema missing (503).</summary>
    Unavailable,

    /// <summary>No space left for a write: the disk or a size limit is full (507; reads still work).</summary>
    Full,

    /// <summary>The database takes no writes: a read-only file, file system or server (507; reads still work; pooled connections keep seeing it read-only).</summary>
    ReadOnly,
}
