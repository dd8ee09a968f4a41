using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Chronik.Embedded.PackageTests;

/// <summary>Writes every log line to xunit's test output and keeps it, so a test can both show and check the broker's log.</summary>
public sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TestOutputLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string line = $"{logLevel} {category}: {formatter(state, exception)}";
            provider.Lines.Enqueue(line);
            try
            {
                provider.Output(line);
            }
            catch (InvalidOperationException)
            {
                // The test has finished; xunit no longer takes output for it.
            }
        }
    }

    private void Output(string line) => output.WriteLine(line);
}
