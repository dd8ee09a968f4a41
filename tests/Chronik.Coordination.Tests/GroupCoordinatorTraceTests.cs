using System.Security.Cryptography;
using Chronik.Coordination.Groups;
using Chronik.Protocol.Messages;
using Chronik.Protocol.Wire;

namespace Chronik.Coordination.Tests;

/// <summary>
/// A fingerprint of the group coordinator's behaviour: a seeded random walk over its whole public API (classic and
/// KIP-848 groups sharing ids, offsets, transactional offsets, deletes, timers, restarts by replay and by snapshot)
/// hashes every response (its wire bytes), every record (key and value bytes) and every completion. The expected
/// hashes were taken before the coordinator was split into its parts, so any change in records, error codes or
/// timings shows here. They were retaken when the KIP-848 records moved to Kafka's layouts: with consumer group
/// values hashed only as present or absent, the walks matched the earlier build's except that a replayed consumer
/// group's state timestamp is its load time, a group record is no longer rewritten for a new state timestamp or
/// assignor alone, and an empty group's assignor after a restart is the default (uniform).
/// </summary>
public sealed class GroupCoordinatorTraceTests
{
    [Theory]
    [InlineData(1, "7CD6A7BBD847BFD7BE3A33A43CA54F3D1B7A16843D6113EDA0DB96B520B775E8")]
    [InlineData(2, "B53DDABC6423C638C2EEC4097E327B47CE9D0D9944D18C877DE832745F604074")]
    [InlineData(3, "E47EC649288BD9C319422EB7E5E58EC79D90B508253A654DC503E4BD7C446629")]
    public void RandomWalkProducesTheSameResponsesAndRecords(int seed, string expected)
    {
        var trace = new Trace(seed);
        trace.Run(3000);
        string h = trace.Hash();
        Assert.True(expected == h, $"seed {seed}: hash {h}, expected {expected} ({trace.Stats})");
    }

    private sealed class Trace
    {
        private static readonly string[] GroupIds = ["a", "b", "c", "d", ""];
        private static readonly string[] Instances = ["i1", "i2", "i3"];
        private static readonly string[] Range = ["range"];
        private static readonly string[] RangeAndRoundRobin = ["range", "roundrobin"];
        private static readonly Guid TopicA = new("00000000-0000-0000-0000-00000000000a");
        private static readonly Guid TopicB = new("00000000-0000-0000-0000-00000000000b");

        private readonly Random _rnd;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly GroupCoordinatorConfig _config = new()
        {
            InitialRebalanceDelayMs = 3000,
            MaxGroupSize = 6,
            OffsetsRetentionMs = 120_000,
            OffsetsRetentionCheckIntervalMs = 7_000,
            ConsumerSessionTimeoutMs = 20_000,
            ConsumerHeartbeatIntervalMs = 3_000,
        };
        private readonly List<CoordinatorRecord> _log = [];
        private readonly List<(string Group, Task<JoinGroupResponse> Task)> _joins = [];
        private readonly List<Task<SyncGroupResponse>> _syncs = [];
        private readonly List<(string Group, string Member, int Generation, string? Instance)> _classic = [];
        private readonly List<(string Group, string Member, int Epoch, int[] Owned, string? Instance)> _consumers = [];
        private readonly List<ConsumerTopic> _topics = [new("orders", TopicA, 4, false), new("__internal", TopicB, 2, true)];
        private int _guids;
        private long _now = 1_000_000;
        private GroupCoordinator _c;

        public Trace(int seed)
        {
            _rnd = new Random(seed);
            _c = New();
        }

        private GroupCoordinator New() => new(_config, () => new Guid(++_guids, 0, 0, new byte[8]));

        public string Stats => $"records={_log.Count} joins={_joinOk} syncs={_syncOk} consumerOk={_consumerOk} stable={_stable} commitsOk={_commitOk}";
        private int _joinOk, _syncOk, _consumerOk, _stable, _commitOk;

        public string Hash() => Convert.ToHexString(_hash.GetHashAndReset());

        private void Add(int v) => _hash.AppendData(BitConverter.GetBytes(v));

        private void Add(string? s)
        {
            Add(s?.Length ?? -1);
            if (s is not null) _hash.AppendData(System.Text.Encoding.UTF8.GetBytes(s));
        }

        private void Add(byte[]? b)
        {
            Add(b?.Length ?? -1);
            if (b is not null) _hash.AppendData(b);
        }

        private void Add(IKafkaMessage m) => Add(m.ToBytes(m.HighestSupportedVersion));

        private T Apply<T>(CoordinatorResult<T> r)
        {
            Add(r.Records.Count);
            foreach (var rec in r.Records)
            {
                Add(rec.Key);
                Add(rec.Value);
            }
            _log.AddRange(r.Records);
            Add(r.Completions.Count);
            r.RunCompletions();
            Drain();
            return r.Response;
        }

        private void Drain()
        {
            for (int i = 0; i < _joins.Count; i++)
            {
                if (!_joins[i].Task.IsCompleted) continue;
                var j = _joins[i].Task.Result;
                Add(i);
                Add(j);
                if (j.ErrorCode == 0) _joinOk++;
                if (j.ErrorCode == 0 || j.ErrorCode == (short)ErrorCode.MemberIdRequired) _classic.Add((_joins[i].Group, j.MemberId, j.GenerationId, null));
                _joins.RemoveAt(i--);
            }
            for (int i = 0; i < _syncs.Count; i++)
            {
                if (!_syncs[i].IsCompleted) continue;
                Add(1000 + i);
                Add(_syncs[i].Result);
                if (_syncs[i].Result.ErrorCode == 0) _syncOk++;
                _syncs.RemoveAt(i--);
            }
        }

        private string Current { get; set; } = "a";

        private T Pick<T>(IReadOnlyList<T> list) => list[_rnd.Next(list.Count)];

        private T One<T>(params T[] items) => items[_rnd.Next(items.Length)];

        public void Run(int steps)
        {
            for (int step = 0; step < steps; step++)
            {
                Add(-step);
                Current = Pick(GroupIds);
                int op = _rnd.Next(100);
                if (op < 14) ClassicJoin();
                else if (op < 20) ClassicSync();
                else if (op < 25) ClassicHeartbeat();
                else if (op < 28) ClassicLeave();
                else if (op < 48) ConsumerHeartbeat();
                else if (op < 56) Commit();
                else if (op < 60) Fetch();
                else if (op < 62) DeleteOffsets();
                else if (op < 63) DeleteGroups();
                else if (op < 67) Transactional();
                else if (op < 72) Describe();
                else if (op < 93) Tick();
                else if (op < 95) TopicChange();
                else if (op < 97) Restart(snapshot: false);
                else if (op < 98) Restart(snapshot: true);
                else Snapshot();
                Add(_c.GroupCount);
                Add(_c.ConsumerGroupCount);
                Add((int)(_c.StateOf(Current) ?? (GroupState)(-1)));
                if (_c.StateOf(Current) == GroupState.Stable) _stable++;
                Add(_c.ConsumerStateOf(Current));
            }
            Snapshot();
        }

        private void ClassicJoin()
        {
            var known = _classic.Where(m => m.Group == Current).ToList();
            string memberId = known.Count > 0 && _rnd.Next(2) == 0 ? Pick(known).Member : _rnd.Next(8) == 0 ? "ghost" : "";
            string? instance = _rnd.Next(3) == 0 ? Pick(Instances) : null;
            short version = (short)One(0, 3, 5, 9);
            var request = new JoinGroupRequest
            {
                GroupId = Current,
                MemberId = memberId,
                GroupInstanceId = instance,
                SessionTimeoutMs = _rnd.Next(12) == 0 ? 100 : One(6000, 10_000, 30_000),
                RebalanceTimeoutMs = One(-1, 5000, 20_000),
                ProtocolType = _rnd.Next(15) == 0 ? "connect" : "consumer",
            };
            foreach (var p in _rnd.Next(2) == 0 ? Range : RangeAndRoundRobin)
            {
                request.Protocols.Add(new JoinGroupRequest.JoinGroupRequestProtocol { Name = p, Metadata = GroupHarness.Subscription("orders") });
            }
            var task = Apply(_c.JoinGroup(request, new ClientInfo("client-" + _rnd.Next(3), "/127.0.0.1", version), _now));
            _joins.Add((Current, task));
            Drain();
        }

        private void ClassicSync()
        {
            var known = _classic.Where(m => m.Group == Current).ToList();
            if (known.Count == 0) return;
            var (group, member, generation, _) = Pick(known);
            var request = new SyncGroupRequest { GroupId = group, MemberId = member, GenerationId = generation + (_rnd.Next(10) == 0 ? 1 : 0) };
            foreach (var m in known) request.Assignments.Add(new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = m.Member, Assignment = [(byte)_rnd.Next(256)] });
            _syncs.Add(Apply(_c.SyncGroup(request, _now)));
            Drain();
        }

        private void ClassicHeartbeat()
        {
            var known = _classic.Where(m => m.Group == Current).ToList();
            if (known.Count == 0) return;
            var (group, member, generation, _) = Pick(known);
            Add(Apply(_c.Heartbeat(new HeartbeatRequest { GroupId = group, MemberId = member, GenerationId = generation }, _now)));
        }

        private void ClassicLeave()
        {
            var known = _classic.Where(m => m.Group == Current).ToList();
            var leaving = new List<(string, string?)>();
            if (known.Count > 0) leaving.Add((Pick(known).Member, null));
            if (_rnd.Next(3) == 0) leaving.Add(("", Pick(Instances)));
            if (_rnd.Next(5) == 0) leaving.Add(("nobody", null));
            Add(Apply(_c.LeaveGroup(Current, leaving, _now)));
        }

        private void ConsumerHeartbeat()
        {
            var known = _consumers.Where(m => m.Group == Current).ToList();
            var r = new ConsumerGroupHeartbeatRequest { GroupId = Current, RebalanceTimeoutMs = -1 };
            int index = -1;
            if (known.Count == 0 || _rnd.Next(4) == 0)
            {
                r.MemberId = _rnd.Next(3) == 0 ? "" : "cm" + _rnd.Next(20);
                r.MemberEpoch = 0;
                r.RebalanceTimeoutMs = One(5000, 30_000);
                r.InstanceId = _rnd.Next(4) == 0 ? Pick(Instances) : null;
                r.SubscribedTopicNames = _rnd.Next(4) == 0 ? null : ["orders"];
                r.SubscribedTopicRegex = r.SubscribedTopicNames is null || _rnd.Next(5) == 0 ? One("ord.*", "_.*", "(") : null;
                r.ServerAssignor = _rnd.Next(4) == 0 ? One("uniform", "range", "sticky") : null;
                r.TopicPartitions = [];
            }
            else
            {
                var m = Pick(known);
                index = _consumers.IndexOf(m);
                r.MemberId = m.Member;
                r.InstanceId = m.Instance;
                int choice = _rnd.Next(20);
                r.MemberEpoch = choice == 0 ? -1 : choice == 1 ? -2 : choice == 2 ? m.Epoch + 1 : choice == 3 ? Math.Max(m.Epoch - 1, 1) : m.Epoch;
                if (_rnd.Next(3) != 0)
                {
                    var owned = _rnd.Next(6) == 0 ? m.Owned.Where(_ => _rnd.Next(2) == 0).ToArray() : m.Owned;
                    r.TopicPartitions = [new ConsumerGroupHeartbeatRequest.TopicPartitionsData { TopicId = TopicA, Partitions = [.. owned] }];
                }
                if (_rnd.Next(10) == 0) r.SubscribedTopicNames = _rnd.Next(2) == 0 ? [] : ["orders"];
            }
            var response = Apply(_c.ConsumerGroupHeartbeat(r, new ClientInfo("c", "/127.0.0.1", (short)_rnd.Next(2)), _topics, _now));
            Add(response);
            if (response.ErrorCode == 0) _consumerOk++;
            if (index >= 0) _consumers.RemoveAt(index);
            if (response.ErrorCode == 0 && response.MemberEpoch > 0 && response.MemberId is { } id)
            {
                var owned = response.Assignment is { } a ? a.TopicPartitions.SelectMany(t => t.Partitions).ToArray()
                    : index >= 0 ? _c.ConsumerAssignmentOf(Current, id).Select(tp => tp.Partition).ToArray() : [];
                _consumers.Add((Current, id, response.MemberEpoch, owned, r.InstanceId));
            }
        }

        private (string Member, int Generation) AnyMember()
        {
            var classic = _classic.Where(m => m.Group == Current).ToList();
            var consumers = _consumers.Where(m => m.Group == Current).ToList();
            return _rnd.Next(4) switch
            {
                0 when classic.Count > 0 => Pick(classic) is var c ? (c.Member, c.Generation) : default,
                1 when consumers.Count > 0 => Pick(consumers) is var k ? (k.Member, k.Epoch) : default,
                2 => ("stranger", _rnd.Next(3)),
                _ => ("", -1),
            };
        }

        private void Commit()
        {
            var (member, generation) = AnyMember();
            var request = new OffsetCommitRequest { GroupId = Current, MemberId = member, GenerationIdOrMemberEpoch = generation };
            var t = new OffsetCommitRequest.OffsetCommitRequestTopic { Name = One("orders", "other", "missing") };
            for (int p = 0; p < 1 + _rnd.Next(3); p++)
            {
                t.Partitions.Add(new OffsetCommitRequest.OffsetCommitRequestPartition
                {
                    PartitionIndex = _rnd.Next(5),
                    CommittedOffset = _rnd.Next(1000),
                    CommittedLeaderEpoch = _rnd.Next(3) - 1,
                    CommittedMetadata = _rnd.Next(10) == 0 ? new string('x', 5000) : _rnd.Next(3) == 0 ? null : "m",
                });
            }
            request.Topics.Add(t);
            short version = (short)One(2, 8, 9);
            var cr = Apply(_c.CommitOffsets(request, version, (name, p) => name != "missing" && p < 4, _now));
            Add(cr);
            if (cr.Topics[0].Partitions.Any(p => p.ErrorCode == 0)) _commitOk++;
        }

        private void Fetch()
        {
            var response = new OffsetFetchResponse();
            response.Groups.Add(_c.FetchOffsets(Current, _rnd.Next(2) == 0 ? null : [("orders", [0, 1, 2]), ("other", [3])]));
            Add(response);
            var (member, epoch) = AnyMember();
            Add((int)_c.ValidateOffsetFetchMember(Current, _rnd.Next(3) == 0 ? null : member, epoch));
            var o = _c.CommittedOffsetOf(Current, "orders", _rnd.Next(4));
            Add(o is null ? "-" : $"{o.Offset}/{o.LeaderEpoch}/{o.Metadata}/{o.CommitTimestampMs}");
        }

        private void DeleteOffsets()
        {
            var request = new OffsetDeleteRequest { GroupId = Current };
            var t = new OffsetDeleteRequest.OffsetDeleteRequestTopic { Name = One("orders", "other") };
            t.Partitions.Add(new OffsetDeleteRequest.OffsetDeleteRequestPartition { PartitionIndex = _rnd.Next(4) });
            request.Topics.Add(t);
            Add(Apply(_c.DeleteOffsets(request, (_, p) => p < 4)));
        }

        private void DeleteGroups()
        {
            var response = new DeleteGroupsResponse { Results = Apply(_c.DeleteGroups([Current, Pick(GroupIds)])) };
            Add(response);
        }

        private void Transactional()
        {
            var (member, generation) = AnyMember();
            Add((int)_c.ValidateTransactionalCommit(Current, generation, member, _rnd.Next(4) == 0 ? Pick(Instances) : null));
            if (Current.Length == 0) return;
            var offsets = Enumerable.Range(0, 1 + _rnd.Next(2)).Select(i => ("orders", _rnd.Next(4), (long)_rnd.Next(1000), 1, "t")).ToList();
            Add(Apply(_c.CommitTransactionalOffsets(Current, offsets, _now)));
        }

        private void Describe()
        {
            var groups = new DescribeGroupsResponse();
            groups.Groups.Add(_c.DescribeGroup(Current, _rnd.Next(2) == 0));
            Add(groups);
            var list = new ListGroupsResponse
            {
                Groups = _c.ListGroups(_rnd.Next(3) == 0 ? ["Stable", "empty"] : null, _rnd.Next(3) == 0 ? ["consumer"] : null),
            };
            Add(list);
            var consumer = new ConsumerGroupDescribeResponse();
            consumer.Groups.Add(_c.DescribeConsumerGroup(Current, _rnd.Next(2) == 0, _topics));
            Add(consumer);
        }

        private void Tick()
        {
            _now += _rnd.Next(10) == 0 ? _rnd.Next(60_000) : _rnd.Next(4000);
            Add(Apply(_c.Tick(_now)));
        }

        private void TopicChange()
        {
            int count = _topics[0].PartitionCount == 4 ? 6 : 4;
            _topics[0] = _topics[0] with { PartitionCount = count };
        }

        private void Restart(bool snapshot)
        {
            Add(Apply(_c.AbortPending(ErrorCode.NotCoordinator)));
            var records = snapshot ? _c.SnapshotRecords() : [.. _log];
            if (snapshot)
            {
                _log.Clear();
                _log.AddRange(records);
            }
            _c = New();
            foreach (var r in records) _c.Replay(r.Key, r.Value, _now);
            _classic.Clear();
            Snapshot();
        }

        private void Snapshot()
        {
            var records = _c.SnapshotRecords();
            Add(records.Count);
            foreach (var r in records)
            {
                Add(r.Key);
                Add(r.Value);
            }
        }
    }
}
