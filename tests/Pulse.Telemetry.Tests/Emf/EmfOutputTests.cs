using System.Diagnostics;
using Pulse.Testing;

namespace Pulse.Telemetry.Tests.Emf;

public sealed class EmfOutputTests
{
    [Fact]
    public async Task WhenStdoutStallsEnqueueingNeverWaitsAndWhatDoesNotFitIsDroppedAndCounted()
    {
        await using var harness = new EmfHarness(emf => emf.QueueCapacity = 16);
        harness.Writer.Stall();

        harness.Output.Enqueue("first\n");
        await Wait.UntilAsync(() => harness.Writer.BlockedWriters == 1, TimeSpan.FromSeconds(10), "the writer thread to block on stdout");
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            harness.Output.Enqueue($"doc {i}\n");
        }

        var enqueueTime = clock.Elapsed;

        // One document is stuck in the write, 16 wait in the queue, the rest are dropped.
        Assert.Equal(100 - 16, harness.Output.Dropped);
        Assert.True(enqueueTime < TimeSpan.FromSeconds(5), $"Enqueueing took {enqueueTime}.");

        harness.Writer.Resume();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await harness.Output.DrainAsync(timeout.Token);
        Assert.Equal(1 + 16, harness.Output.Written);
        Assert.Equal(["first", .. Enumerable.Range(0, 16).Select(i => $"doc {i}")], harness.Writer.Lines);
    }

    [Fact]
    public async Task EveryDocumentIsOneWriteCallEndingInItsNewline()
    {
        await using var harness = new EmfHarness();
        await harness.StartAsync(EmfMode.PerRequest);
        for (var i = 0; i < 50; i++)
        {
            harness.Record(0.001 * i, "/", 200, requestId: $"r{i}");
        }

        await harness.StopAsync();

        // 50 request documents and the interval's ActiveRequests document, written on stop.
        var writes = harness.Writer.Writes;
        Assert.Equal(50, writes.Count(w => w.Contains("\"RequestId\"", StringComparison.Ordinal)));
        Assert.Equal(51, writes.Count);
        Assert.All(writes, w => Assert.Equal(w.Length - 1, w.IndexOf('\n', StringComparison.Ordinal)));
        Assert.Equal(writes.Count, harness.Output.Written);
    }

    [Fact]
    public async Task DrainWaitsForEverythingQueuedBeforeIt()
    {
        await using var harness = new EmfHarness();
        for (var i = 0; i < 1000; i++)
        {
            harness.Output.Enqueue($"{i}\n");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await harness.Output.DrainAsync(timeout.Token);

        Assert.Equal(1000, harness.Writer.Lines.Count);
        Assert.Equal(0, harness.Output.Dropped);
    }
}
