using System.Collections.Concurrent;

namespace Pulse.Api.Tests;

public sealed class LoggingTests
{
    [Fact]
    public async Task ErrorEndpointLogsOneWarningWithoutAnException()
    {
        var provider = new CapturingLoggerProvider();
        await using var factory = new PulseApiFactory().WithServices(services => services.AddSingleton<ILoggerProvider>(provider));
        var client = factory.CreateClient();

        (await client.GetAsync("/error")).Dispose();

        var entry = Assert.Single(provider.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Null(entry.Exception);
        Assert.Contains("/error", entry.Message, StringComparison.Ordinal);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Entries.Enqueue((logLevel, formatter(state, exception), exception));
        }
    }
}
