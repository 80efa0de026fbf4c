using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using Pulse.Api.Health;

namespace Pulse.Api.Data;

/// <summary>Registers the database: settings, the EF Core context on the chosen provider, migrations and the readiness check.</summary>
internal static class DataRegistration
{
    /// <summary>Npgsql's meter (connection pool, command durations), exported with the service's own metrics.</summary>
    public const string NpgsqlMeterName = "Npgsql";

    public const string HealthCheckName = "database";

    /// <summary>The <c>db_client_connection_pool_name</c> label of Npgsql's metrics (by default the connection string).</summary>
    public const string PoolName = "pulse";

    public static WebApplicationBuilder AddPulseData(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => DatabaseTarget.Resolve(
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value,
            sp.GetRequiredService<IConfiguration>(),
            sp.GetRequiredService<IHostEnvironment>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<DatabaseTarget>()));

        // Resolved only on PostgreSQL: one pool per service, which an outage can clear.
        services.AddSingleton(sp => new NpgsqlDataSourceBuilder(sp.GetRequiredService<DatabaseTarget>().ConnectionString) { Name = PoolName }
            .UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())
            .Build());

        services.AddDbContextPool<PulseDbContext>((sp, options) =>
        {
            var target = sp.GetRequiredService<DatabaseTarget>();
            if (target.Provider == DatabaseProvider.Postgres)
            {
                options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>());
            }
            else
            {
                options.UseSqlite(target.ConnectionString);
            }
        });

        services.AddSingleton<SchemaMigrator>();
        services.AddHostedService<MigrateOnStartup>();

        // Ready when the database answers and its schema is at least this build's: a query, since a pooled
        // connection "opens" without touching the server, and the schema, since with MigrateOnStartup=false a
        // replica may start before the migrate task has run.
        services.AddHealthChecks().AddDbContextCheck<PulseDbContext>(
            HealthCheckName,
            tags: [HealthApi.ReadyTag],
            customTestQuery: static async (db, cancellationToken) =>
            {
                try
                {
                    var version = await db.Database
                        .SqlQueryRaw<int>($"SELECT COALESCE(MAX(version), 0) AS \"Value\" FROM {SchemaMigrator.HistoryTable}")
                        .SingleAsync(cancellationToken);
                    return version >= SchemaMigrator.LatestVersion(db.IsPostgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite);
                }
                catch (Exception ex) when (DatabaseErrors.Classify(ex) == DatabaseErrorKind.Unreachable)
                {
                    ClearPool(db);
                    throw;
                }
            });

        // Npgsql's meter goes out with the service's own metrics whenever telemetry is on (this adds to the
        // application's MeterProvider and creates none). Its pool-size gauge ends in ".count", which Prometheus
        // reserves for histograms and summaries (promtool rejects such a gauge): it is renamed.
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics
            .AddMeter(NpgsqlMeterName)
            .AddView(instrument => instrument.Meter.Name == NpgsqlMeterName && instrument.Name == "db.client.connection.count"
                ? new MetricStreamConfiguration { Name = "db.client.connections" }
                : null));
        return builder;
    }

    /// <summary>
    /// Drops the pooled PostgreSQL connections after a connection failure: those opened before an outage are
    /// dead, and without this each would fail one request after the database returns.
    /// </summary>
    public static void ClearPool(PulseDbContext db)
    {
        if (db.Database.GetDbConnection() is NpgsqlConnection connection)
        {
            NpgsqlConnection.ClearPool(connection);
        }
    }
}
