namespace Chronik.Fuzz;

/// <summary>Watches the broker process: alive, peak RSS (VmRSS in /proc/PID/status), and its log's levels.</summary>
internal sealed partial class BrokerWatch(int pid, string? logPath)
{
    private long _peakRssKb;
    private long _logOffset;

    public long PeakRssKb => Interlocked.Read(ref _peakRssKb);
    public bool Alive => File.Exists($"/proc/{pid}/status") && !Status().Contains("State:\tZ", StringComparison.Ordinal);
    public int CritLines { get; private set; }
    public int FailLines { get; private set; }
    public int WarnLines { get; private set; }
    /// <summary>Each distinct error or critical line (digits folded), with how often it was seen.</summary>
    public Dictionary<string, int> Faults { get; } = [];

    public async Task RunAsync(TimeSpan every, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Sample();
            try { await Task.Delay(every, ct).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
        }
    }

    public void Sample()
    {
        foreach (var line in Status().Split('\n'))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            if (long.TryParse(line[6..].Trim().Split(' ')[0], out long kb) && kb > PeakRssKb) Interlocked.Exchange(ref _peakRssKb, kb);
        }
    }

    private string Status()
    {
        try { return File.ReadAllText($"/proc/{pid}/status"); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    /// <summary>Counts the single-line console log's levels ("TIMESTAMP fail: ...") written since the last call.</summary>
    public void ScanLog()
    {
        if (logPath is null || !File.Exists(logPath)) return;
        using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(_logOffset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            var rest = space < 0 ? line : line[(space + 1)..];
            if (rest.StartsWith("crit: ", StringComparison.Ordinal)) { CritLines++; AddFault(rest); }
            else if (rest.StartsWith("fail: ", StringComparison.Ordinal)) { FailLines++; AddFault(rest); }
            else if (rest.StartsWith("warn: ", StringComparison.Ordinal)) WarnLines++;
        }
        _logOffset = stream.Length;
    }

    // Distinct faults: digits (ports, offsets, correlation ids) folded, so one bug counts once.
    private void AddFault(string line)
    {
        var key = Digits().Replace(line, "#");
        if (key.Length > 300) key = key[..300];
        Faults[key] = Faults.GetValueOrDefault(key) + 1;
    }

    [System.Text.RegularExpressions.GeneratedRegex("[0-9]+")]
    private static partial System.Text.RegularExpressions.Regex Digits();
}
