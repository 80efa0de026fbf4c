using Pulse.Telemetry.Prometheus;

namespace Pulse.Telemetry.Tests;

public sealed class NegotiationTests
{
    [Theory]
    [InlineData("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", true)]
    [InlineData("application/openmetrics-text; version=1.0.0", true)]
    [InlineData("application/openmetrics-text", true)]
    [InlineData("text/plain;version=0.0.4", false)]
    [InlineData("text/plain;q=1, application/openmetrics-text;q=0.5", false)]
    [InlineData("application/openmetrics-text;version=0.0.1", false)]
    [InlineData("*/*", false)]
    [InlineData("", false)]
    [InlineData("not a media type", false)]
    public void OpenMetricsIsChosenOnlyWhenRankedAtLeastAsHighAsText(string accept, bool expected) =>
        Assert.Equal(expected, PrometheusEndpoint.PrefersOpenMetrics(accept));

    [Theory]
    [InlineData("gzip", true)]
    [InlineData("br, gzip;q=0.8", true)]
    [InlineData("*", true)]
    [InlineData("gzip;q=0", false)]
    [InlineData("identity", false)]
    [InlineData("", false)]
    public void GzipIsUsedWhenAccepted(string acceptEncoding, bool expected) =>
        Assert.Equal(expected, PrometheusEndpoint.AcceptsGzip(acceptEncoding));
}
