using System.Globalization;
using System.Text;

namespace Chronik.Protocol.Tests.Fuzz;

/// <summary>Runs decodes of untrusted bytes and collects what went wrong: an exception type the decoder must not throw, or more allocation than the input justifies.</summary>
internal sealed class FuzzRun
{
    /// <summary>Allocation a decode of <paramref name="inputLength"/> bytes may make: a generous multiple of the input plus room for exceptions and small tables.</summary>
    public static long Budget(int inputLength) => 64L * inputLength + 64 * 1024;

    /// <summary>Mutated inputs per seed set; CHRONIK_FUZZ_ITERATIONS raises it for a long run.</summary>
    public static int Iterations(int defaultCount) =>
        int.TryParse(Environment.GetEnvironmentVariable("CHRONIK_FUZZ_ITERATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : defaultCount;

    private readonly Func<Exception, bool> _allowed;
    private readonly Dictionary<string, (int Count, string Sample)> _failures = new(StringComparer.Ordinal);

    public FuzzRun(Func<Exception, bool> allowed) => _allowed = allowed;

    public int Decodes { get; private set; }
    public int Rejected { get; private set; }
    /// <summary>The most bytes allocated per input byte by one decode of at least 1 KiB, and by which.</summary>
    public double WorstRatio { get; private set; }
    public string WorstRatioWhat { get; private set; } = "";

    /// <summary>Decodes <paramref name="input"/> once; <paramref name="extraBudget"/> adds to <see cref="Budget"/> (decompression output).</summary>
    public void Decode(string what, byte[] input, Action<byte[]> decode, long extraBudget = 0)
    {
        Decodes++;
        Exception? thrown = null;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            decode(input);
        }
        catch (Exception e)
        {
            thrown = e;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (thrown is not null)
        {
            if (_allowed(thrown)) Rejected++;
            else Record($"{what}: {thrown.GetType().Name} at {TopFrame(thrown)}", $"{thrown}", input);
        }
        if (input.Length >= 1024 && (double)allocated / input.Length > WorstRatio)
        {
            WorstRatio = (double)allocated / input.Length;
            WorstRatioWhat = what;
        }
        long budget = Budget(input.Length) + extraBudget;
        if (allocated > budget) Record($"{what}: allocated beyond budget", $"allocated {allocated} bytes for {input.Length} input bytes (budget {budget})", input);
    }

    /// <summary>Empty when every decode behaved; else one line per distinct failure with a sample input.</summary>
    public string Report()
    {
        if (_failures.Count == 0) return "";
        var sb = new StringBuilder();
        foreach (var (key, (count, sample)) in _failures.OrderBy(f => f.Key, StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture, $"{key} (x{count})\n{sample}\n\n");
        return sb.ToString();
    }

    private void Record(string key, string detail, byte[] input)
    {
        if (_failures.TryGetValue(key, out var f)) _failures[key] = (f.Count + 1, f.Sample);
        else _failures[key] = (1, detail + "\ninput: " + Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 512))));
    }

    private static string TopFrame(Exception e)
    {
        var line = e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("Chronik.Protocol.", StringComparison.Ordinal)) ?? "?";
        int paren = line.IndexOf('(', StringComparison.Ordinal);
        return (paren > 0 ? line[..paren] : line).Trim();
    }
}
