using Npgsql;
using Pulse.Testing;

namespace Pulse.Api.Tests.Infrastructure;

/// <summary>Throw-away databases: a fresh PostgreSQL database on the shared test server, or a fresh SQLite file.</summary>
public static class TestDatabases
{
    /// <summary>Creates an empty database on the <c>PULSE_TEST_POSTGRES</c> server; dispose to drop it.</summary>
    public static async Task<PostgresDatabase> CreatePostgresAsync()
    {
        var admin = PostgresTestServer.Require();
        var name = $"pulse_test_{Guid.NewGuid():N}"[..32];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        return new PostgresDatabase(admin, name, connectionString);
    }

    /// <summary>A path for a SQLite file in a new temporary directory (the file itself does not exist yet).</summary>
    public static string NewSqlitePath() => Path.Combine(Directory.CreateTempSubdirectory("pulse-sqlite-").FullName, "pulse.db");
}

/// <summary>A database created for one test class; disposing drops it, ending any session still connected.</summary>
public sealed class PostgresDatabase(string adminConnectionString, string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync()
    {
        // FORCE ends the sessions connected now, but it refuses when one of them is not ours to end (an autovacuum
        // worker busy in the database: "must be a member of the role whose process is being terminated"), and a
        // session opening in between makes the drop fail as "in use". Both pass within moments: close this process's
        // idle sessions first, and try again for a while.
        await using (var pooled = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await Wait.UntilAsync(
            async () =>
            {
                await using var connection = new NpgsqlConnection(adminConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
                try
                {
                    await command.ExecuteNonQueryAsync();
                    return true;
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.ObjectInUse or PostgresErrorCodes.InsufficientPrivilege)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            $"database {Name} to be dropped");
    }
}
