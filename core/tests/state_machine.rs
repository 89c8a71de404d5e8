//! Property test: Alice and Bob converse over a hostile network that delays,
//! reorders, drops, duplicates and corrupts messages. Whatever the sequence,
//! every untampered message delivered decrypts exactly once to what was
//! sent, every replay and every corrupted copy is refused without changing
//! the receiver's stored state, nothing panics, and once the network hands
//! over everything still in flight, every message not dropped was received.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::Index;
use sealkit::session::{Envelope, MAX_RECEIVER_CHAINS, SessionError};
use sealkit::store::MemoryStore;
use sealkit::{Client, Error, PrekeyBundle};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Alice,
    Bob,
}

/// One thing that happens in the conversation or on the network.
#[derive(Clone, Debug)]
enum Step {
    AliceSends,
    BobSends,
    /// Deliver one in-flight message to its recipient.
    Deliver(Index),
    /// Lose one in-flight message for good.
    Drop(Index),
    /// Deliver again a copy of a message already delivered.
    Duplicate(Index),
    /// Deliver a copy of a sent message with one bit flipped (then the
    /// original, if it was still in flight).
    Tamper(Index, Index, u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::AliceSends),
        3 => Just(Step::BobSends),
        5 => any::<Index>().prop_map(Step::Deliver),
        1 => any::<Index>().prop_map(Step::Drop),
        2 => any::<Index>().prop_map(Step::Duplicate),
        2 => (any::<Index>(), any::<Index>(), 0u8..8)
            .prop_map(|(message, byte, bit)| Step::Tamper(message, byte, bit)),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    InFlight,
    Delivered,
    Dropped,
}

struct Message {
    from: Side,
    envelope: Vec<u8>,
    plaintext: Vec<u8>,
    ratchet_key: [u8; 32],
    fate: Fate,
}

struct Device {
    client: Client,
    store: Arc<MemoryStore>,
    /// Remote ratchet keys this device has accepted, in the order it first
    /// accepted them (its DH ratchet steps).
    remote_ratchet_keys: Vec<[u8; 32]>,
}

impl Device {
    fn open(user: &str, device: &str, seed: u8) -> Self {
        let store = Arc::new(MemoryStore::new());
        let client = Client::open_with_seed(Arc::clone(&store), user, device, [seed; 32]).unwrap();
        Self {
            client,
            store,
            remote_ratchet_keys: Vec::new(),
        }
    }

    /// Whether a replay from the chain of `ratchet_key` is still recognised
    /// as one: the session remembers the current remote ratchet key and
    /// [`MAX_RECEIVER_CHAINS`] before it. Older replays are tried as a new
    /// chain and fail to authenticate instead.
    fn remembers(&self, ratchet_key: &[u8; 32]) -> bool {
        self.remote_ratchet_keys
            .iter()
            .rev()
            .take(MAX_RECEIVER_CHAINS + 1)
            .any(|key| key == ratchet_key)
    }

    /// Decrypts input that must be refused; checks no stored record changed.
    fn refuse(&self, envelope: &[u8]) -> Error {
        let before = self.store.snapshot();
        let error = match self.client.decrypt(envelope) {
            Ok(decrypted) => panic!("refused input decrypted to {:?}", decrypted.plaintext),
            Err(error) => error,
        };
        assert!(
            self.store.snapshot() == before,
            "state changed after refusing with {error:?}"
        );
        error
    }
}

struct Conversation {
    alice: Device,
    bob: Device,
    bundle: PrekeyBundle,
    messages: Vec<Message>,
    alice_has_sent: bool,
    bob_has_received: bool,
}

impl Conversation {
    fn new() -> Self {
        let alice = Device::open("alice", "phone", 1);
        let bob = Device::open("bob", "laptop", 2);
        let bundle = bob.client.prekey_bundle(1).unwrap().take_for_session();
        Self {
            alice,
            bob,
            bundle,
            messages: Vec::new(),
            alice_has_sent: false,
            bob_has_received: false,
        }
    }

    fn device(&self, side: Side) -> &Device {
        match side {
            Side::Alice => &self.alice,
            Side::Bob => &self.bob,
        }
    }

    fn recipient_mut(&mut self, from: Side) -> &mut Device {
        match from {
            Side::Alice => &mut self.bob,
            Side::Bob => &mut self.alice,
        }
    }

    fn recipient(&self, from: Side) -> &Device {
        match from {
            Side::Alice => &self.bob,
            Side::Bob => &self.alice,
        }
    }

    /// Positions of messages that `select` accepts.
    fn messages_where(&self, select: impl Fn(&Message) -> bool) -> Vec<usize> {
        (0..self.messages.len())
            .filter(|&i| select(&self.messages[i]))
            .collect()
    }

    fn pick(&self, index: &Index, select: impl Fn(&Message) -> bool) -> Option<usize> {
        let candidates = self.messages_where(select);
        (!candidates.is_empty()).then(|| candidates[index.index(candidates.len())])
    }

    fn alice_sends(&mut self) {
        let plaintext = format!("alice #{}", self.messages.len()).into_bytes();
        // Alice starts the session from Bob's bundle; afterwards she needs none.
        let bundle = (!self.alice_has_sent).then_some(&self.bundle);
        let envelope = self
            .alice
            .client
            .encrypt(self.bob.client.address(), bundle, &plaintext)
            .unwrap();
        self.alice_has_sent = true;
        self.record(Side::Alice, envelope, plaintext);
    }

    fn bob_sends(&mut self) {
        let plaintext = format!("bob #{}", self.messages.len()).into_bytes();
        let before = self.bob.store.snapshot();
        let result = self
            .bob
            .client
            .encrypt(self.alice.client.address(), None, &plaintext);
        if self.bob_has_received {
            self.record(Side::Bob, result.unwrap(), plaintext);
        } else {
            // The responder has no session until Alice's first message arrives.
            assert_eq!(
                result,
                Err(Error::NoSession {
                    address: self.alice.client.address().clone()
                })
            );
            assert!(self.bob.store.snapshot() == before);
        }
    }

    fn record(&mut self, from: Side, envelope: Vec<u8>, plaintext: Vec<u8>) {
        let ratchet_key = Envelope::decode(&envelope).unwrap().header.ratchet_key;
        self.messages.push(Message {
            from,
            envelope,
            plaintext,
            ratchet_key,
            fate: Fate::InFlight,
        });
    }

    fn deliver(&mut self, position: usize) {
        let message = &self.messages[position];
        assert_eq!(message.fate, Fate::InFlight);
        let from = message.from;
        let sender = self.device(from).client.address().clone();
        let decrypted = self
            .recipient(from)
            .client
            .decrypt(&message.envelope)
            .unwrap_or_else(|error| panic!("message {position} from {from:?}: {error:?}"));
        assert_eq!(decrypted.plaintext, message.plaintext);
        assert_eq!(decrypted.sender, sender);
        let ratchet_key = message.ratchet_key;
        self.messages[position].fate = Fate::Delivered;
        let recipient = self.recipient_mut(from);
        if !recipient.remote_ratchet_keys.contains(&ratchet_key) {
            recipient.remote_ratchet_keys.push(ratchet_key);
        }
        if from == Side::Alice {
            self.bob_has_received = true;
        }
    }

    fn replay(&self, position: usize) {
        let message = &self.messages[position];
        assert_eq!(message.fate, Fate::Delivered);
        let recipient = self.recipient(message.from);
        let error = recipient.refuse(&message.envelope);
        if recipient.remembers(&message.ratchet_key) {
            assert_eq!(error, Error::Session(SessionError::Duplicate));
        } else {
            assert!(
                matches!(
                    error,
                    Error::Session(SessionError::Duplicate | SessionError::Decrypt)
                ),
                "{error:?}"
            );
        }
    }

    fn tamper(&mut self, position: usize, byte: &Index, bit: u8) {
        let message = &self.messages[position];
        let mut copy = message.envelope.clone();
        let position_in_bytes = byte.index(copy.len());
        copy[position_in_bytes] ^= 1 << bit;
        let _ = self.recipient(message.from).refuse(&copy);
        if message.fate == Fate::InFlight {
            self.deliver(position);
        }
    }

    fn run(&mut self, step: &Step) {
        let in_flight = |m: &Message| m.fate == Fate::InFlight;
        let delivered = |m: &Message| m.fate == Fate::Delivered;
        match step {
            Step::AliceSends => self.alice_sends(),
            Step::BobSends => self.bob_sends(),
            Step::Deliver(index) => {
                if let Some(position) = self.pick(index, in_flight) {
                    self.deliver(position);
                }
            }
            Step::Drop(index) => {
                if let Some(position) = self.pick(index, in_flight) {
                    self.messages[position].fate = Fate::Dropped;
                }
            }
            Step::Duplicate(index) => {
                if let Some(position) = self.pick(index, delivered) {
                    self.replay(position);
                }
            }
            Step::Tamper(index, byte, bit) => {
                if let Some(position) = self.pick(index, |m| m.fate != Fate::Dropped) {
                    self.tamper(position, byte, *bit);
                }
            }
        }
    }

    /// The network hands over everything still in flight (oldest first).
    fn deliver_the_rest(&mut self) {
        for position in self.messages_where(|m| m.fate == Fate::InFlight) {
            self.deliver(position);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_message_not_dropped_arrives_exactly_once_whatever_the_network_does(
        steps in proptest::collection::vec(step(), 1..60)
    ) {
        let mut conversation = Conversation::new();
        for step in &steps {
            conversation.run(step);
        }
        conversation.deliver_the_rest();
        for (position, message) in conversation.messages.iter().enumerate() {
            prop_assert_ne!(message.fate, Fate::InFlight, "message {}", position);
            if message.fate == Fate::Delivered {
                conversation.replay(position);
            }
        }
        // The conversation still works both ways.
        conversation.alice_sends();
        conversation.deliver(conversation.messages.len() - 1);
        conversation.bob_sends();
        conversation.deliver(conversation.messages.len() - 1);
    }
}
