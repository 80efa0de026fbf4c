using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Pulse.Api.Data;

/// <summary>
/// What the service learns from a failed database call, whoever made it (a request, the readiness check). A
/// connection that failed because the server is unreachable or read-only leaves the pooled ones suspect: dead
/// after an outage, or still read-only after the database became writable again (a PostgreSQL session keeps
/// the read-only default it started with; SQLite keeps a file it opened read-only). The pool is then cleared,
/// and while a read-only refusal is recent no connection goes back to it, so the first write after the
/// database is writable again gets a fresh one. A write refused because the database is full or read-only is
/// remembered for <see cref="RefusalMemory"/>, so that readiness can report it.
/// </summary>
internal sealed class DatabaseFailures(TimeProvider clock, NpgsqlDataSource? postgres) : DbConnectionInterceptor, IDbCommandInterceptor, IDbTransactionInterceptor
{
    /// <summary>How long a refused write keeps the database check Degraded.</summary>
    public static readonly TimeSpan RefusalMemory = TimeSpan.FromMinutes(1);

    private Refusal? _lastRefusal;

    /// <summary>The last write refused because the database is full or read-only, if it was within <see cref="RefusalMemory"/>.</summary>
    public Refusal? RecentRefusal() =>
        Volatile.Read(ref _lastRefusal) is { } refusal && clock.GetUtcNow() - refusal.At < RefusalMemory ? refusal : null;

    public override void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (RecentRefusal() is { Kind: DatabaseErrorKind.ReadOnly })
        {
            ClearPool(connection);
        }
    }

    public override Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        ConnectionClosed(connection, eventData);
        return Task.CompletedTask;
    }

    public override void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) => Observe(connection, eventData.Exception);

    public override Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(connection, eventData.Exception);
        return Task.CompletedTask;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Observe(command.Connection, eventData.Exception);

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(command.Connection, eventData.Exception);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Observe(transaction.Connection, eventData.Exception);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(transaction.Connection, eventData.Exception);
        return Task.CompletedTask;
    }

    private void Observe(DbConnection? connection, Exception exception)
    {
        var kind = DatabaseErrors.Classify(exception);
        if (kind is DatabaseErrorKind.Full or DatabaseErrorKind.ReadOnly)
        {
            Volatile.Write(ref _lastRefusal, new Refusal(kind, clock.GetUtcNow()));
        }

        if (kind is DatabaseErrorKind.Unreachable or DatabaseErrorKind.ReadOnly)
        {
            ClearPool(connection);
        }
    }

    /// <summary>
    /// The one way the service clears its pool: on PostgreSQL its data source's (NpgsqlConnection.ClearPool reaches
    /// only pools Npgsql made from connection strings), on SQLite the pool of the connection's file.
    /// </summary>
    private void ClearPool(DbConnection? connection)
    {
        if (postgres is not null)
        {
            postgres.Clear();
        }
        else if (connection is SqliteConnection sqlite)
        {
            SqliteConnection.ClearPool(sqlite);
        }
    }
}

/// <summary>A write the database refused, why (<see cref="DatabaseErrorKind.Full"/> or <see cref="DatabaseErrorKind.ReadOnly"/>) and when.</summary>
internal sealed record Refusal(DatabaseErrorKind Kind, DateTimeOffset At);
