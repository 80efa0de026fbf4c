using Microsoft.EntityFrameworkCore;
using Pulse.Api.Data;
using Pulse.Testing;

namespace Pulse.Api.Tests.Infrastructure;

/// <summary>The service on one database for one test class (tests of a class run one after another, so they share it).</summary>
public abstract class ApiFixture : IAsyncLifetime
{
    private PulseApiFactory? _factory;
    private HttpClient? _client;

    public PulseApiFactory Factory => _factory ?? throw new InvalidOperationException("The fixture did not start.");

    public HttpClient Client => _client ?? throw new InvalidOperationException("The fixture did not start.");

    public async Task InitializeAsync()
    {
        if (await SettingsAsync() is not { } settings)
        {
            return;
        }

        _factory = new PulseApiFactory();
        foreach (var (key, value) in settings)
        {
            _factory.WithSetting(key, value);
        }

        _client = _factory.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await ReleaseAsync();
    }

    /// <summary>Runs <paramref name="query"/> on the service's own database, bypassing the API.</summary>
    internal async Task<T> QueryAsync<T>(Func<PulseDbContext, Task<T>> query)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        return await query(db);
    }

    /// <summary>How many products and tasks the database holds.</summary>
    internal Task<(int Products, int Tasks)> CountRowsAsync() =>
        QueryAsync(async db => (await db.Products.CountAsync(), await db.Tasks.CountAsync()));

    /// <summary>The settings that point the service at this fixture's database; null when the tests are skipped.</summary>
    protected abstract Task<Dictionary<string, string?>?> SettingsAsync();

    protected virtual Task ReleaseAsync() => Task.CompletedTask;
}

/// <summary>The service on its own SQLite file.</summary>
public sealed class SqliteApi : ApiFixture
{
    private string? _path;

    protected override Task<Dictionary<string, string?>?> SettingsAsync()
    {
        _path = TestDatabases.NewSqlitePath();
        return Task.FromResult<Dictionary<string, string?>?>(new() { ["Database:Provider"] = "Sqlite", ["Database:Sqlite:Path"] = _path });
    }

    protected override Task ReleaseAsync()
    {
        if (_path is not null)
        {
            Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);
        }

        return Task.CompletedTask;
    }
}

/// <summary>The service on its own database of the <c>PULSE_TEST_POSTGRES</c> server, dropped afterwards.</summary>
public sealed class PostgresApi : ApiFixture
{
    private PostgresDatabase? _database;

    protected override async Task<Dictionary<string, string?>?> SettingsAsync()
    {
        if (PostgresTestServer.SkipReason() is not null)
        {
            return null;
        }

        _database = await TestDatabases.CreatePostgresAsync();
        return new() { ["Database:Provider"] = "Postgres", ["ConnectionStrings:Postgres"] = _database.ConnectionString };
    }

    protected override async Task ReleaseAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
