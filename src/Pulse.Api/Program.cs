using Pulse.Api.Data;
using Pulse.Api.Greetings;
using Pulse.Api.Health;
using Pulse.Api.Hosting;
using Pulse.Api.Http;
using Pulse.Api.Products;
using Pulse.Api.Tasks;
using Pulse.Telemetry.Hosting;

// Verbs run instead of the service: the container health check, and the one-off schema migration.
if (HealthCheckCommand.IsInvoked(args))
{
    return await HealthCheckCommand.RunAsync(args);
}

if (MigrateCommand.IsInvoked(args))
{
    return await MigrateCommand.RunAsync(args);
}

try
{
    var builder = WebApplication.CreateBuilder(ServiceDefaults.BuilderOptions(args));
    builder.AddServiceDefaults();
    builder.AddPulseTelemetry(); // OpenTelemetry from the Telemetry section: HTTP and process metrics (Prometheus, EMF, OTLP); request spans over OTLP
    builder.AddPulseData(); // with the database client's metrics and spans
    builder.AddPulseApi();
    builder.Services.AddPulseHealthChecks();

    var app = builder.Build();
    app.ValidateSettings();
    app.UsePulseHttpMetrics(); // first, so that what the exception handler answers is measured too
    app.UseExceptionHandler();
    app.UseStatusCodePages();

    app.MapGreetings();
    app.MapPulseHealthChecks();
    app.MapProducts();
    app.MapTasks();
    app.MapPulseApiDocs();
    app.MapPulseMetrics(); // GET /metrics; only on the management port when Telemetry:Prometheus:Port is set

    await app.RunAsync();
    return 0;
}
catch (Exception error) when (StartupErrors.Describe(error) is { } message)
{
    // A setting the user can fix: one line naming it, no stack trace.
    return StartupErrors.Report(message);
}

/// <summary>Entry point, visible to the integration tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
