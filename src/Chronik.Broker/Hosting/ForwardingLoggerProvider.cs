using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Hosting;

/// <summary>Hands every logger the host asks for to another factory, which the host does not own and never disposes.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
