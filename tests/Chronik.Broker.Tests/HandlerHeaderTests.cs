using System.Text.RegularExpressions;
using Chronik.Broker.Dispatch;
using Xunit;

namespace Chronik.Broker.Tests;

/// <summary>
/// Each handler file is named NN_Name.cs after its API key and opens with "// Name (key NN), vA-B" (or "advertised
/// vA-B"): the header is held against the handler's MinVersion and MaxVersion, so the two cannot drift apart.
/// </summary>
public partial class HandlerHeaderTests
{
    [GeneratedRegex(@"^// (?<name>\w+) \(key (?<key>\d+)\), (advertised )?v(?<min>\d+)(-(?<max>\d+))?")]
    private static partial Regex Header();

    private static string HandlersDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Chronik.slnx"))) return Path.Combine(d.FullName, "src", "Chronik.Broker", "Handlers");
        }
        throw new DirectoryNotFoundException("repo root");
    }

    public static TheoryData<string> HandlerTypes()
    {
        var data = new TheoryData<string>();
        foreach (var t in typeof(IApiHandler).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IApiHandler).IsAssignableFrom(t)))
        {
            data.Add(t.FullName!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(HandlerTypes))]
    public void Header_matches_the_handler(string typeName)
    {
        var type = typeof(IApiHandler).Assembly.GetType(typeName)!;
        var handler = (IApiHandler)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type);
        int key = (int)handler.Key;
        var files = Directory.GetFiles(HandlersDir(), $"{key:00}_*.cs");
        Assert.True(files.Length == 1, $"{typeName}: expected one file {key:00}_*.cs, found {files.Length}");
        string first = File.ReadLines(files[0]).First();
        var m = Header().Match(first);
        Assert.True(m.Success, $"{Path.GetFileName(files[0])}: header '{first}' is not '// Name (key N), vA-B'");
        Assert.Equal(key, int.Parse(m.Groups["key"].Value));
        Assert.Equal($"{key:00}_{m.Groups["name"].Value}.cs", Path.GetFileName(files[0]));
        int min = int.Parse(m.Groups["min"].Value);
        int max = m.Groups["max"].Success ? int.Parse(m.Groups["max"].Value) : min;
        Assert.Equal((handler.MinVersion, handler.MaxVersion), ((short)min, (short)max));
    }
}
