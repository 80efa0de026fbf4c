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
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
