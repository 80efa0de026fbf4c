using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Pulse.Telemetry.Http;
using Pulse.Telemetry.Prometheus;

namespace Pulse.Telemetry;

/// <summary>
/// Owns the OpenTelemetry MeterProvider for the host's lifetime (the hosting package that would do this
/// is not available). Started before the server accepts requests, disposed after it has drained them.
/// </summary>
internal sealed class PulseMeterProvider(
    HostMeterScope scope,
    IOptions<TelemetryOptions> options,
    PrometheusScraper prometheus) : IHostedService, IDisposable
{
    private MeterProvider? _provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _provider = Build(options.Value);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _provider, null)?.Dispose();
    }

    private MeterProvider Build(TelemetryOptions settings)
    {
        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService(EmfMetrics.DefaultServiceName).AddEnvironmentVariableDetector())
            .AddMeter(PulseMetrics.AspNetCoreHostingMeterName, PulseMetrics.HttpMeterName, PulseMetrics.ProcessMeterName, PulseMetrics.RuntimeMeterName, PulseMetrics.EmfMeterName)
            .AddMeter([.. settings.AdditionalMeters])
            .SetExemplarFilter(ExemplarFilterType.AlwaysOff);

        foreach (var view in new[] { HttpViews.Create(settings.Http), RenameViews.Create })
        {
            builder.AddView(instrument => scope.IsFromOtherHost(instrument) ? MetricStreamConfiguration.Drop : view(instrument));
        }

        if (settings.Prometheus.Enabled)
        {
            builder.AddReader(prometheus.Reader);
        }

        if (settings.Otlp.Endpoint is { } endpoint)
        {
            builder.AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = settings.Otlp.Protocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;

                // A programmatic OTLP/HTTP endpoint is used as given, so it needs the signal path.
                exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "/" or ""
                    ? new Uri(endpoint, "v1/metrics")
                    : endpoint;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)settings.Otlp.ExportInterval.TotalMilliseconds;
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
            });
        }

        return builder.Build();
    }
}
