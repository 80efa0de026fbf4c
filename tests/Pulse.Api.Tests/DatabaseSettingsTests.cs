using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pulse.Api.Data;
using Pulse.Api.Tests.Infrastructure;

namespace Pulse.Api.Tests;

/// <summary>The Database and Api settings: how they resolve, and that bad ones stop start-up naming the setting.</summary>
public sealed class DatabaseSettingsTests
{
    [Fact]
    public void TheDiscreteFieldsOfAnRdsSecretMakeAConnectionStringWithShortTimeouts()
    {
        var target = Resolve(
            new DatabaseOptions
            {
                Provider = DatabaseProvider.Postgres,
                Postgres = { Host = "db.example.internal", Port = 6543, Username = "app", Password = "s3cret;'\"", Dbname = "pulse" },
            },
            connectionString: null);

        var built = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal(("db.example.internal", 6543, "app", "s3cret;'\"", "pulse"), (built.Host, built.Port, built.Username, built.Password, built.Database));
        Assert.Equal((2, 3), (built.Timeout, built.CommandTimeout));
        Assert.DoesNotContain("s3cret", target.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void DiscreteFieldsOverrideTheConnectionStringWhichKeepsItsOwnTimeouts()
    {
        var target = Resolve(
            new DatabaseOptions { Provider = DatabaseProvider.Postgres, Postgres = { Password = "from-secret" } },
            "Host=pg;Database=app;Username=u;Password=old;Timeout=9;SSL Mode=Require");

        var built = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal(("pg", "app", "from-secret", 9, 3), (built.Host, built.Database, built.Password, built.Timeout, built.CommandTimeout));
        Assert.Equal(SslMode.Require, built.SslMode);
    }

    [Fact]
    public void SqliteDefaultsToDataPulseDbUnderTheContentRoot()
    {
        var root = Directory.CreateTempSubdirectory("pulse-root-").FullName;
        try
        {
            var target = Resolve(new DatabaseOptions(), null, root);

            Assert.Equal(Path.Combine(root, "data", "pulse.db"), new SqliteConnectionStringBuilder(target.ConnectionString).DataSource);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void WhenTheDefaultSqliteLocationCannotBeWrittenTheFileGoesToTheTemporaryDirectory()
    {
        // A content root that is a file: its "data" directory can never be created, as on a read-only filesystem.
        var file = Path.GetTempFileName();
        try
        {
            var target = Resolve(new DatabaseOptions(), null, file);

            Assert.Equal(Path.Combine(Path.GetTempPath(), "pulse", "pulse.db"), new SqliteConnectionStringBuilder(target.ConnectionString).DataSource);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task TheBodyLimitIsConfigurable()
    {
        await using var factory = new PulseApiFactory().WithSetting("Api:MaxRequestBodyBytes", "2048");
        using var client = factory.CreateClient();

        using var small = await client.PostJsonAsync("/products", $$"""{"name":"{{new string('n', 150)}}","price":1,"amount":1}""");
        await small.AssertStatusAsync(HttpStatusCode.Created);
        using var large = await client.PostJsonAsync("/products", "[" + string.Join(',', Enumerable.Repeat("""{"name":"n","price":1,"amount":1}""", 100)) + "]");
        var problem = await large.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("Api:MaxRequestBodyBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithMigrateOnStartupOffTheServiceIsNotReadyUntilTheSchemaIsMigrated()
    {
        await using var factory = new PulseApiFactory().WithSetting("Database:MigrateOnStartup", "false");
        using var client = factory.CreateClient();

        using var request = await client.GetAsync("/products");
        await request.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        using (var ready = await client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        using (var live = await client.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        await factory.Services.GetRequiredService<SchemaMigrator>().MigrateAsync();

        using (var ready = await client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        using var after = await client.GetAsync("/products");
        await after.AssertStatusAsync(HttpStatusCode.OK);
    }

    private static DatabaseTarget Resolve(DatabaseOptions options, string? connectionString, string? contentRoot = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = connectionString })
            .Build();
        Assert.True(new DatabaseOptionsValidator(configuration).Validate(null, options).Succeeded);
        return DatabaseTarget.Resolve(options, configuration, new HostingEnvironment { ContentRootPath = contentRoot ?? Path.GetTempPath() }, NullLogger.Instance);
    }
}
