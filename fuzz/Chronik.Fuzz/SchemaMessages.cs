using System.Collections;
using System.Reflection;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Fuzz;

/// <summary>
/// Request bodies shaped like Kafka's schemas: a generated request class filled with random values (interesting
/// integers, known topic names, short lists) by reflection, then encoded at the chosen version. A field the version
/// cannot carry makes the encoder throw; that field goes back to its default.
/// </summary>
internal sealed class SchemaMessages(Random random)
{
    private static readonly Dictionary<short, Type> Requests = typeof(MetadataRequest).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.Name.EndsWith("Request", StringComparison.Ordinal)
            && typeof(IKafkaMessage).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (IKafkaMessage)Activator.CreateInstance(t)!)
        .Where(m => m.ApiKey >= 0)
        .ToDictionary(m => m.ApiKey, m => m.GetType());

    private static readonly long[] Interesting = [-1, 0, 1, 2, 3, -2, 0x7f, 0x7fff, 0x8000, 0xffff, 0x7fffffff, int.MinValue, long.MaxValue, long.MinValue];
    private static readonly string[] Names = ["fuzz-0", "fuzz-1", "__consumer_offsets", "", "fuzz-group", "fuzz-txn", "a.b_c-d"];

    /// <summary>The encoded body, or null when the api has no generated request class.</summary>
    public byte[]? RandomBody(short apiKey, short version)
    {
        if (!Requests.TryGetValue(apiKey, out var type)) return null;
        var message = (IKafkaMessage)Activator.CreateInstance(type)!;
        foreach (var p in Settable(type))
        {
            if (random.Next(4) == 0) continue;
            var old = p.GetValue(message);
            p.SetValue(message, RandomValue(p.PropertyType, p.Name, 0));
            if (!Encodes(message, version)) p.SetValue(message, old);
        }
        try { return message.ToBytes(version); }
        catch (Exception) { return null; }
    }

    private static bool Encodes(IKafkaMessage message, short version)
    {
        try
        {
            message.ToBytes(version);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.Name != "UnknownTaggedFields");

    private object? RandomValue(Type type, string name, int depth)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(bool)) return random.Next(2) == 0;
        if (t == typeof(sbyte)) return (sbyte)Int();
        if (t == typeof(byte)) return (byte)Int();
        if (t == typeof(short)) return (short)Int();
        if (t == typeof(ushort)) return (ushort)Int();
        if (t == typeof(int)) return (int)Int();
        if (t == typeof(uint)) return (uint)Int();
        if (t == typeof(long)) return Int();
        if (t == typeof(double)) return random.Next(3) == 0 ? double.NaN : random.NextDouble() * 1000;
        if (t == typeof(Guid)) return random.Next(3) == 0 ? Guid.Empty : Guid.NewGuid();
        if (t == typeof(string)) return String();
        if (t == typeof(byte[])) return Bytes();
        if (t == typeof(ReadOnlyMemory<byte>)) return random.Next(16) == 0 ? null : new ReadOnlyMemory<byte>(Bytes());
        if (t.IsEnum) return Enum.ToObject(t, Int());
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
        {
            if (depth > 3 || random.Next(8) == 0) return random.Next(8) == 0 ? null : Activator.CreateInstance(t);
            var list = (IList)Activator.CreateInstance(t)!;
            var element = t.GetGenericArguments()[0];
            int n = random.Next(4);
            for (int i = 0; i < n; i++) list.Add(RandomValue(element, name, depth + 1));
            return list;
        }
        if (t.IsClass && t.GetConstructor(Type.EmptyTypes) is not null && t.Assembly == typeof(MetadataRequest).Assembly)
        {
            var o = Activator.CreateInstance(t)!;
            if (depth <= 3)
            {
                foreach (var p in Settable(t)) if (random.Next(4) != 0) p.SetValue(o, RandomValue(p.PropertyType, p.Name, depth + 1));
            }
            return o;
        }
        return type.IsValueType ? Activator.CreateInstance(type) : null;
    }

    private long Int() => random.Next(10) switch
    {
        < 3 => Interesting[random.Next(Interesting.Length)],
        < 8 => random.Next(5),
        _ => random.NextInt64(),
    };

    private string? String()
    {
        if (random.Next(200) == 0) return null;
        if (random.Next(6) == 0)
        {
            var chars = new char[random.Next(300)];
            for (int i = 0; i < chars.Length; i++) chars[i] = (char)random.Next(1, random.Next(4) == 0 ? 0x3000 : 0x80);
            return new string(chars);
        }
        return Names[random.Next(Names.Length)];
    }

    private byte[] Bytes()
    {
        var b = new byte[random.Next(4) == 0 ? random.Next(512) : random.Next(16)];
        random.NextBytes(b);
        return b;
    }
}
