using Chronik.Coordination.Metadata;
using Chronik.Coordination.Quotas;

namespace Chronik.Coordination.Tests;

/// <summary>Quota resolution precedence (Kafka's default callback) and the windowed rate / throttle time.</summary>
public class ClientQuotaEnforcementTests
{
    private static ClientQuotaStore With(params (string? User, string? Client, bool HasUser, bool HasClient, double Rate)[] quotas)
    {
        var s = new ClientQuotaStore(new MemoryMetadataStore());
        foreach (var (u, c, hu, hc, rate) in quotas)
        {
            ClientQuotaStoreTests.Alter(s, false, ClientQuotaStoreTests.Entry(u, c, hu, hc, (QuotaKeys.ProducerByteRate, rate, false)));
        }
        return s;
    }

    private static QuotaResolution R(ClientQuotaStore s, string user, string client) => s.Snapshot.Resolve(QuotaKeys.ProducerByteRate, user, client);

    [Fact]
    public void Most_specific_entity_wins_in_Kafka_order()
    {
        var all = new (string?, string?, bool, bool, double)[]
        {
            ("u", "c", true, true, 1), ("u", null, true, true, 2), ("u", null, true, false, 3), (null, "c", true, true, 4),
            (null, null, true, true, 5), (null, null, true, false, 6), (null, "c", false, true, 7), (null, null, false, true, 8),
        };
        // Drop the most specific one at a time; the next in the order takes over.
        for (int i = 0; i < all.Length; i++)
        {
            var s = With(all[i..]);
            Assert.Equal(i + 1, R(s, "u", "c").Bound);
        }
        Assert.Null(R(new ClientQuotaStore(new MemoryMetadataStore()), "u", "c").Bound);
    }

    [Fact]
    public void Sensors_are_shared_as_the_metric_tags_say()
    {
        // A client-id quota is shared by every user of that client id; a default-client quota is per client id.
        Assert.Equal(new QuotaResolution("", "c", 7), R(With((null, "c", false, true, 7)), "u", "c"));
        Assert.Equal(new QuotaResolution("", "other", 8), R(With((null, null, false, true, 8)), "u", "other"));
        Assert.Equal(new QuotaResolution("u", "", 3), R(With(("u", null, true, false, 3)), "u", "c"));
        Assert.Equal(new QuotaResolution("u", "c", 5), R(With((null, null, true, true, 5)), "u", "c"));
        // Other users do not see a user's quota.
        Assert.Null(R(With(("u", null, true, false, 3)), "v", "c").Bound);
    }

    [Fact]
    public void Rate_assumes_ten_full_windows_and_throttles_to_the_bound()
    {
        var sensor = new RateSensor(11, 1000);
        const double bound = 1000;
        // 10,000 bytes at t=0 are exactly 1000/s over the assumed 10 s window: not throttled.
        Assert.Equal(0, sensor.Record(10_000, 0, bound));
        // 1000 more at t=500: window 10.5 s, rate 11000/10.5 = 1047.6/s; throttle (O - T)/T * W = 500 ms.
        Assert.Equal(500, sensor.Record(1000, 500, bound));
        // Without a bound nothing is throttled.
        Assert.Equal(0, sensor.Record(1_000_000, 600, null));
    }

    [Fact]
    public void Greedy_sender_averages_the_bound()
    {
        // Simulates a sender that sends 10 KB whenever it is not throttled, as a muted connection would.
        var sensor = new RateSensor(11, 1000);
        const double bound = 100_000;
        long now = 0, sent = 0;
        while (now < 60_000)
        {
            int throttle = sensor.Record(10_000, now, bound);
            sent += 10_000;
            now += Math.Max(1, throttle);
        }
        double rate = sent / (now / 1000.0);
        Assert.InRange(rate, bound * 0.9, bound * 1.1);
    }

    [Fact]
    public void Idle_windows_expire()
    {
        var sensor = new RateSensor(11, 1000);
        sensor.Record(50_000, 0, null);
        Assert.Equal(5000, sensor.Measure(0));
        Assert.Equal(0, sensor.Measure(11_000));
    }

    [Fact]
    public void Manager_counts_per_resolved_sensor_and_unrecords()
    {
        var store = With((null, "app", false, true, 1000));
        var m = new ClientQuotaManager(store, QuotaKeys.ProducerByteRate);
        Assert.Equal(0, m.RecordAndGetThrottleTimeMs("ANONYMOUS", "app", 10_000, 0));
        Assert.True(m.RecordAndGetThrottleTimeMs("someone", "app", 5000, 0) > 0);
        m.Unrecord("someone", "app", 5000, 0);
        Assert.Equal(1000, m.RateOf("", "app", 0));
        Assert.Equal(10_000, m.MaxValueInQuotaWindow("x", "app"));
        Assert.Equal(int.MaxValue, m.MaxValueInQuotaWindow("x", "other"));
        Assert.Equal(0, m.RecordAndGetThrottleTimeMs("x", "other", 1e9, 0));
    }
}
