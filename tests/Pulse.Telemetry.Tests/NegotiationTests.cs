using Pulse.Telemetry.Prometheus;

namespace Pulse.Telemetry.Tests;

public sealed class NegotiationTests
{
    [Theory]
    [InlineData("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", nameof(ExpositionFormat.OpenMetrics))]
    [InlineData("application/openmetrics-text; version=1.0.0", nameof(ExpositionFormat.OpenMetrics))]
    [InlineData("application/openmetrics-text", nameof(ExpositionFormat.OpenMetrics))]
    [InlineData("text/plain;version=0.0.4", nameof(ExpositionFormat.Text))]
    [InlineData("text/plain;q=1, application/openmetrics-text;q=0.5", nameof(ExpositionFormat.Text))]
    [InlineData("application/openmetrics-text;version=0.0.1", nameof(ExpositionFormat.Text))]
    [InlineData("*/*", nameof(ExpositionFormat.Text))]
    [InlineData("", nameof(ExpositionFormat.Text))]
    [InlineData("not a media type", nameof(ExpositionFormat.Text))]
    public void OpenMetricsIsChosenOnlyWhenRankedAtLeastAsHighAsText(string accept, string expected) =>
        Assert.Equal(expected, PrometheusEndpoint.Negotiate(accept).ToString());

    [Theory]

    // What Prometheus 2.x sends with native histograms enabled.
    [InlineData("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", nameof(ExpositionFormat.Protobuf))]
    [InlineData("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", nameof(ExpositionFormat.Protobuf))]
    [InlineData("application/openmetrics-text;version=1.0.0,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5", nameof(ExpositionFormat.OpenMetrics))]
    [InlineData("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text", nameof(ExpositionFormat.Text))]
    [InlineData("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=compact-text,text/plain;q=0.5", nameof(ExpositionFormat.Text))]
    [InlineData("application/vnd.google.protobuf;encoding=delimited", nameof(ExpositionFormat.Text))]
    [InlineData("application/vnd.google.protobuf", nameof(ExpositionFormat.Text))]
    public void ProtobufIsChosenOnlyWhenAskedForDelimitedMetricFamiliesAndRankedHighest(string accept, string expected) =>
        Assert.Equal(expected, PrometheusEndpoint.Negotiate(accept).ToString());

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
