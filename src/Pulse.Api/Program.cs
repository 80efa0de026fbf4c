using Pulse.Api.Greetings;
using Pulse.Api.Health;
using Pulse.Api.Hosting;
using Pulse.Telemetry;

if (HealthCheckCommand.IsInvoked(args)) return await HealthCheckCommand.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPulseTelemetry();
builder.Services.AddPulseHealthChecks();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapGreetings();
app.MapPulseHealthChecks();

app.Run();
return 0;

/// <summary>Entry point, visible to the integration tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
