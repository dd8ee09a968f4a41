using System.Diagnostics;
using Chronik.Protocol.Generator;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Tests.Generated;
using Chronik.Protocol.Wire;
using Xunit;
using Xunit.Abstractions;

namespace Chronik.Protocol.Tests.Fuzz;

/// <summary>
/// Every generated decoder (requests, responses, headers and the other schemas, every version), fed mutated valid
/// encodings and random bytes: only <see cref="KafkaProtocolException"/> escapes, and no decode allocates more than
/// <see cref="FuzzRun.Budget"/> for its input. The persisted records' decoders (metadata and coordinator records, every
/// family of the records pass) are fuzzed the same way. Seeded, so a failure reproduces; CHRONIK_FUZZ_ITERATIONS runs longer.
/// </summary>
public class DecoderFuzzTests(ITestOutputHelper output)
{
    private const int DefaultMutations = 2000;
    private static readonly List<MessageSpec> Specs = CodeGenerator.LoadDefaultSchemas(CodeGenerator.FindRepoRoot(AppContext.BaseDirectory));

    private static readonly List<(RecordFamily Family, MessageSpec Spec)> RecordSpecs = RecordFamily.All
        .SelectMany(f => f.SchemaDirs(CodeGenerator.FindRepoRoot(AppContext.BaseDirectory)).Where(Directory.Exists)
            .SelectMany(SchemaLoader.LoadAll).Where(s => f.Types.Contains(s.Type)).Select(s => (f, s)))
        .ToList();

    public static IEnumerable<object[]> Messages() => Specs.Select(s => new object[] { s.Name }).OrderBy(n => (string)n[0], StringComparer.Ordinal);

    public static IEnumerable<object[]> Records() =>
        RecordSpecs.Select(r => new object[] { r.Family.Namespace + "." + r.Spec.Name }).OrderBy(n => (string)n[0], StringComparer.Ordinal);

    [Fact]
    public void Every_request_and_response_schema_and_both_headers_are_fuzzed()
    {
        var names = Specs.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var api in ApiKeys.All)
        {
            Assert.Contains(api.Name + "Request", names);
            Assert.Contains(api.Name + "Response", names);
        }
        Assert.Contains("RequestHeader", names);
        Assert.Contains("ResponseHeader", names);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Decoder_rejects_malformed_input_cleanly(string name)
    {
        var spec = Specs.Single(s => s.Name == name);
        var type = typeof(ApiKeys).Assembly.GetType("Chronik.Protocol.Messages." + name, throwOnError: true)!;
        Fuzz(spec, type, name);
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Record_decoder_rejects_malformed_input_cleanly(string qualifiedName)
    {
        var spec = RecordSpecs.Single(r => r.Family.Namespace + "." + r.Spec.Name == qualifiedName).Spec;
        Fuzz(spec, typeof(ApiKeys).Assembly.GetType(qualifiedName, throwOnError: true)!, qualifiedName);
    }

    private void Fuzz(MessageSpec spec, Type type, string name)
    {
        var run = new FuzzRun(e => e is KafkaProtocolException);
        int mutations = FuzzRun.Iterations(DefaultMutations);
        var clock = Stopwatch.StartNew();
        for (short v = spec.ValidVersions.Min; v <= spec.ValidVersions.Max; v++)
        {
            short version = v;
            var seeds = Seeds(spec, type, version);
            var mutator = new FuzzMutator(StableSeed(name, version));
            void Decode(byte[] input)
            {
                var msg = (IKafkaMessage)Activator.CreateInstance(type)!;
                run.Decode($"{name} v{version}", input, bytes =>
                {
                    var reader = new KafkaReader(bytes);
                    msg.Read(ref reader, version);
                });
            }
            foreach (var seed in seeds) Decode(seed);
            for (int i = 0; i < mutations; i++) Decode(mutator.Mutate(seeds[i % seeds.Count]));
            for (int i = 0; i < mutations / 4; i++) Decode(mutator.RandomBytes(i % 2 == 0 ? 32 : 512));
            for (int i = 0; i < mutations / 8; i++) Decode(mutator.Amplify(seeds[i % seeds.Count]));
        }
        output.WriteLine($"{name}: {run.Decodes} decodes, {run.Rejected} rejected, {clock.ElapsedMilliseconds} ms, worst {run.WorstRatio:F1} B/B ({run.WorstRatioWhat})");
        Assert.True(run.Report().Length == 0, run.Report());
    }

    [Fact]
    public void Request_frames_decode_header_then_body_cleanly()
    {
        // The dispatcher's path: header (its version picked from the peeked key and version), then the body.
        var frames = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "frames"), "*.bin")
            .Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        foreach (var api in ApiKeys.All)
        {
            var spec = Specs.Single(s => s.Name == api.Name + "Request");
            var type = typeof(ApiKeys).Assembly.GetType("Chronik.Protocol.Messages." + spec.Name, throwOnError: true)!;
            foreach (short version in new[] { api.MinVersion, api.MaxVersion })
            {
                var header = new RequestHeader { RequestApiKey = (short)api.Key, RequestApiVersion = version, CorrelationId = 7, ClientId = "fuzz" };
                byte[] h = header.ToBytes(ApiKeys.RequestHeaderVersion((short)api.Key, version));
                foreach (var body in Seeds(spec, type, version).Take(2)) frames.Add([.. h, .. body]);
            }
        }
        var run = new FuzzRun(e => e is KafkaProtocolException);
        var mutator = new FuzzMutator(StableSeed("frames", 0));
        int mutations = FuzzRun.Iterations(DefaultMutations) * 20;
        for (int i = 0; i < frames.Count + mutations; i++)
        {
            byte[] input = i < frames.Count ? frames[i] : mutator.Mutate(frames[i % frames.Count]);
            run.Decode("request frame", input, DecodeFrame);
        }
        output.WriteLine($"frames: {run.Decodes} decodes, {run.Rejected} rejected");
        Assert.True(run.Report().Length == 0, run.Report());
    }

    private static void DecodeFrame(byte[] frame)
    {
        var reader = new KafkaReader(frame);
        var header = ApiKeys.ReadRequestHeader(ref reader);
        if (ApiKeys.Get(header.RequestApiKey) is not { } api || header.RequestApiVersion < api.MinVersion || header.RequestApiVersion > api.MaxVersion) return;
        ApiKeys.CreateRequest(header.RequestApiKey)!.Read(ref reader, header.RequestApiVersion);
    }

    /// <summary>Valid encodings at one version: the default message and messages with arrays, strings and structs filled.</summary>
    private static List<byte[]> Seeds(MessageSpec spec, Type type, short version)
    {
        var seeds = new List<byte[]> { ((IKafkaMessage)Activator.CreateInstance(type)!).ToBytes(version) };
        RandomFiller.UseSpec(spec);
        for (int seed = 0; seed < 4; seed++)
        {
            var msg = (IKafkaMessage)Activator.CreateInstance(type)!;
            RandomFiller.Fill(msg, spec.Fields, version, new Random(StableSeed(spec.Name, version) + seed), depth: 0);
            seeds.Add(msg.ToBytes(version));
        }
        return seeds;
    }

    /// <summary>FNV-1a of the name and version: stable across processes, unlike string.GetHashCode.</summary>
    internal static int StableSeed(string name, int version)
    {
        uint h = 2166136261;
        foreach (char c in name) h = (h ^ c) * 16777619;
        return (int)((h ^ (uint)version) * 16777619 & 0x7fffffff);
    }
}
