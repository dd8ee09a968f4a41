using System.Diagnostics;
using System.Runtime;

namespace Chronik.Server.Metrics;

/// <summary>Process and .NET runtime gauges in the names Prometheus client libraries use.</summary>
internal sealed class ProcessMetrics : IDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly double _startTimeSeconds;

    public ProcessMetrics() =>
        _startTimeSeconds = new DateTimeOffset(_process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;

    public void WriteTo(PrometheusText output)
    {
        _process.Refresh();
        Write(output, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
            _process.TotalProcessorTime.TotalSeconds);
        Write(output, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", _process.WorkingSet64);
        Write(output, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", _process.VirtualMemorySize64);
        Write(output, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", _startTimeSeconds);
        Write(output, "process_threads", "gauge", "Number of OS threads in the process.", _process.Threads.Count);
        if (OpenFileDescriptors() is { } fds)
        {
            Write(output, "process_open_fds", "gauge", "Number of open file descriptors.", fds);
        }

        GCMemoryInfo gc = GC.GetGCMemoryInfo();
        Write(output, "dotnet_gc_heap_size_bytes", "gauge", "GC heap size after the last collection, in bytes.", gc.HeapSizeBytes);
        Write(output, "dotnet_gc_committed_bytes", "gauge", "Memory committed by the GC, in bytes.", gc.TotalCommittedBytes);
        Write(output, "dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap.", GC.GetTotalAllocatedBytes());
        Write(output, "dotnet_gc_pause_seconds_total", "counter", "Time the GC paused the process, in seconds.",
            GC.GetTotalPauseDuration().TotalSeconds);
        output.WriteHeader("dotnet_gc_collections_total", "counter", "Garbage collections by generation.");
        for (int generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            output.WriteSample("dotnet_gc_collections_total", $"generation=\"{generation}\"", GC.CollectionCount(generation));
        }
        Write(output, "dotnet_threadpool_threads", "gauge", "Thread pool threads.", ThreadPool.ThreadCount);
        Write(output, "dotnet_threadpool_queue_length", "gauge", "Work items waiting for the thread pool.", ThreadPool.PendingWorkItemCount);
        Write(output, "dotnet_gc_server", "gauge", "1 if server GC is on.", GCSettings.IsServerGC ? 1 : 0);
    }

    public void Dispose() => _process.Dispose();

    private static void Write(PrometheusText output, string name, string type, string help, double value)
    {
        output.WriteHeader(name, type, help);
        output.WriteSample(name, "", value);
    }

    private static int? OpenFileDescriptors()
    {
        try
        {
            return OperatingSystem.IsLinux() ? Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
