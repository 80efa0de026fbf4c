using System.Net;
using Microsoft.Data.Sqlite;
using Npgsql;
using Pulse.Api.Data;
using Pulse.Api.Tests.Infrastructure;

namespace Pulse.Api.Tests;

/// <summary>
/// A database that can be read but not written, for real: a full file system and a read-only file under SQLite,
/// a read-only database on PostgreSQL. Writes answer 507 naming the cause and change nothing, reads keep
/// working, readiness stays 200 but reports the database Degraded with the cause, and writes work again once
/// the cause is gone, without a restart.
/// </summary>
public sealed class UnwritableDatabaseTests
{
    [MountsFact]
    public async Task OnAFullDiskWritesAnswer507SayingSoWhileReadsAndReadinessCarryOn()
    {
        await using var disk = await Tmpfs.MountAsync(kilobytes: 1024);
        await using (var factory = OnSqlite(disk.Path))
        {
            using var client = factory.CreateClient();
            var url = await CreateProductAsync(client);
            var filler = disk.Fill();

            await AssertWritesRefusedAsync(client, url, "The database is full.");

            File.Delete(filler);
            await AssertWritesWorkAsync(client, url);
        }
    }

    [MountsFact]
    public async Task WithAReadOnlyDatabaseFileWritesAnswer507SayingSoWhileReadsAndReadinessCarryOn()
    {
        var directory = Directory.CreateTempSubdirectory("pulse-readonly-").FullName;
        try
        {
            await using var factory = OnSqlite(directory);
            using var client = factory.CreateClient();
            var url = await CreateProductAsync(client);

            // The service's idle connections close first, so that the next ones open the file as it now is.
            factory.ClearSqlitePool();
            await using (await ReadOnlyFile.MountAsync(Path.Combine(directory, "pulse.db")))
            {
                await AssertWritesRefusedAsync(client, url, "The database is read-only.");
            }

            await AssertWritesWorkAsync(client, url);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [SharedPostgresFact]
    public async Task OnAReadOnlyPostgresDatabaseWritesAnswer507SayingSoWhileReadsAndReadinessCarryOn()
    {
        await using var database = await TestDatabases.CreatePostgresAsync();
        await using var factory = new PulseApiFactory().WithSetting("Database:Provider", "Postgres").WithSetting("ConnectionStrings:Postgres", database.ConnectionString);
        using var client = factory.CreateClient();
        var url = await CreateProductAsync(client);

        // What a hot standby or an administrator's default_transaction_read_only does; new sessions see it.
        await SetReadOnlyAsync(database, factory, on: true);
        await AssertWritesRefusedAsync(client, url, "The database is read-only.");

        await SetReadOnlyAsync(database, factory, on: false);
        await AssertWritesWorkAsync(client, url);
    }

    /// <summary>The service on a SQLite file in <paramref name="directory"/>, whose pooled connections close when it is disposed.</summary>
    private static PooledSqliteClosingFactory OnSqlite(string directory)
    {
        var factory = new PooledSqliteClosingFactory();
        factory.WithSetting("Database:Provider", "Sqlite").WithSetting("Database:Sqlite:Path", Path.Combine(directory, "pulse.db"));
        return factory;
    }

    private static async Task<string> CreateProductAsync(HttpClient client)
    {
        using var created = await client.PostJsonAsync("/products", """{"name":"Kept","price":1,"amount":1}""");
        await created.AssertStatusAsync(HttpStatusCode.Created);
        return created.Headers.Location!.OriginalString;
    }

    private static async Task AssertWritesRefusedAsync(HttpClient client, string url, string title)
    {
        using var list = await client.GetAsync("/products");
        await list.AssertStatusAsync(HttpStatusCode.OK);
        var before = (await list.BodyAsync()).GetProperty("items").GetArrayLength();

        using var create = await client.PostJsonAsync("/products", """{"name":"Refused","price":1,"amount":1}""");
        using var batch = await client.PostJsonAsync("/products", """[{"name":"Refused","price":1,"amount":1},{"name":"Refused","price":2,"amount":2}]""");
        using var update = await client.PutJsonAsync(url, """{"name":"Refused","price":1,"amount":1}""");
        using var delete = await client.DeleteAsync(url);
        foreach (var response in new[] { create, batch, update, delete })
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.InsufficientStorage);
            Assert.Equal(title, problem.GetProperty("title").GetString());
            Assert.DoesNotContain("reach", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var read = await client.GetAsync(url);
        await read.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("Kept", (await read.BodyAsync()).GetProperty("name").GetString());
        using var after = await client.GetAsync("/products");
        Assert.Equal(before, (await after.BodyAsync()).GetProperty("items").GetArrayLength());

        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var report = await ready.BodyAsync();
        Assert.Equal("Degraded", report.GetProperty("status").GetString());
        var check = report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "database");
        Assert.Equal("Degraded", check.GetProperty("status").GetString());
        Assert.Contains(title.Replace("The database is ", string.Empty, StringComparison.Ordinal).TrimEnd('.'), check.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static async Task AssertWritesWorkAsync(HttpClient client, string url)
    {
        using var create = await client.PostJsonAsync("/products", """{"name":"Written again","price":1,"amount":1}""");
        await create.AssertStatusAsync(HttpStatusCode.Created);
        using var update = await client.PutJsonAsync(url, """{"name":"Updated again","price":1,"amount":1}""");
        await update.AssertStatusAsync(HttpStatusCode.OK);
    }

    private static async Task SetReadOnlyAsync(PostgresDatabase database, PulseApiFactory factory, bool on)
    {
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"ALTER DATABASE {database.Name} SET default_transaction_read_only = {(on ? "on" : "off")}", connection);
            await command.ExecuteNonQueryAsync();
        }

        // The setting applies to sessions that start after it. Turning it on, the service's pooled sessions started
        // before; turning it off, the service must find out by itself (a refused write clears its pool).
        if (on)
        {
            factory.Services.GetRequiredService<NpgsqlDataSource>().Clear();
        }
    }

    /// <summary>Closes the pooled SQLite connections when disposed, so that the file system can be unmounted.</summary>
    private sealed class PooledSqliteClosingFactory : PulseApiFactory
    {
        private string? _connectionString;

        public void ClearSqlitePool()
        {
            _connectionString ??= Services.GetRequiredService<DatabaseTarget>().ConnectionString;
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }

        public override async ValueTask DisposeAsync()
        {
            _connectionString ??= Services.GetRequiredService<DatabaseTarget>().ConnectionString;
            await base.DisposeAsync();
            ClearSqlitePool();
        }
    }
}
