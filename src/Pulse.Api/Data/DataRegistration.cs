using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Pulse.Api.Data;

/// <summary>Registers the database: settings, the EF Core context on the chosen provider and migrations.</summary>
internal static class DataRegistration
{
    /// <summary>Npgsql's meter (connection pool, command durations), exported with the service's own metrics.</summary>
    public const string NpgsqlMeterName = "Npgsql";

    /// <summary>EF Core's name of its SQLite provider, the one database whose commands EF Core's instrumentation traces.</summary>
    public const string SqliteProviderName = "Microsoft.EntityFrameworkCore.Sqlite";

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

        // Resolved only on PostgreSQL: one pool per service, which DatabaseFailures clears when connections fail.
        services.AddSingleton(sp => new NpgsqlDataSourceBuilder(sp.GetRequiredService<DatabaseTarget>().ConnectionString) { Name = PoolName }
            .UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())
            .Build());

        services.AddSingleton(sp => new DatabaseFailures(
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<DatabaseTarget>().Provider == DatabaseProvider.Postgres ? sp.GetRequiredService<NpgsqlDataSource>() : null));
        services.AddDbContextPool<PulseDbContext>((sp, options) =>
        {
            options.AddInterceptors(sp.GetRequiredService<DatabaseFailures>());
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

        // Npgsql's meter goes out with the service's own metrics whenever telemetry is on (this adds to the
        // application's MeterProvider and creates none). Its pool-size gauge ends in ".count", which Prometheus
        // reserves for histograms and summaries (promtool rejects such a gauge): it is renamed.
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics
            .AddMeter(NpgsqlMeterName)
            .AddView(instrument => instrument.Meter.Name == NpgsqlMeterName && instrument.Name == "db.client.connection.count"
                ? new MetricStreamConfiguration { Name = "db.client.connections" }
                : null));

        // Database spans, children of the request's span, whenever the application traces (this adds to its
        // TracerProvider and creates none, so with tracing off nothing listens and no span is made). PostgreSQL:
        // Npgsql's own spans, one per command. SQLite has no tracing of its own: EF Core's instrumentation, kept
        // to SQLite so that a PostgreSQL command is not traced twice.
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .AddNpgsql()
            .AddEntityFrameworkCoreInstrumentation(ef => ef.Filter = (provider, _) => provider == SqliteProviderName));
        return builder;
    }
}
