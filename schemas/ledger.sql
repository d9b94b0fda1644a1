-- cux ledger: the book of record for money (DESIGN.md section 5, issue 3). SQLite, double entry,
-- integer fen only (0.01 CNY). Written by ONE writer thread (ledger/writer.hpp) that applies the
-- engine's events in event-seq order; read through separate connections (WAL: reads never block
-- the writer). The writer runs this script inside one transaction on every open: every
-- statement is idempotent (IF NOT EXISTS / OR IGNORE).
--
-- Designed for >= 50,000 trades/s with synchronous=FULL on 2 cores:
--  * every hot table is keyed by an engine-assigned, increasing integer (its rowid), so inserts
--    append to the right edge of one B-tree, and there is NO secondary index on a hot table;
--  * balances are updated once per account per batch (the writer sums a batch in memory);
--  * what statements and per-participant listings need is written once per (account or
--    participant) per batch as a posting list (`postings`), never once per row.

-- The writer's position: the last engine event applied, in the same transaction as its effects.
CREATE TABLE IF NOT EXISTS ledger_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    schema_version INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,      -- last engine event seq applied (0: none)
    last_cmd_seq INTEGER NOT NULL,  -- the command that event belongs to
    last_ts INTEGER NOT NULL,       -- its stamp, ns since the Unix epoch (UTC)
    batches INTEGER NOT NULL        -- transactions committed with effects
);
INSERT OR IGNORE INTO ledger_state VALUES (1, 1, 0, 0, 0, 0);

-- Participants as the engine created them. Participant 0 is the exchange itself.
CREATE TABLE IF NOT EXISTS participants (
    id INTEGER PRIMARY KEY,  -- engine participant id
    name TEXT NOT NULL,
    roles INTEGER NOT NULL,  -- bits: 1 admin, 2 vendor, 4 buyer, 8 regulator
    created_seq INTEGER NOT NULL,
    created_ts INTEGER NOT NULL
);
INSERT OR IGNORE INTO participants VALUES (0, 'exchange', 1, 0, 0);

-- API keys for the gateway's HMAC-SHA256 request signing (API.md "Authentication"). The server
-- must recompute HMAC(secret, ...) for every request, so it has to hold the secret itself: a
-- one-way hash of it could not verify a signature. Protect the file (mode 0600), not the column.
-- Written by the gateway on its own connection (rare, short transactions); not part of the
-- money path, so no foreign key to participants (whose row the writer may add a moment later).
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,       -- the CUX-KEY header
    participant INTEGER NOT NULL,  -- engine participant id
    secret BLOB NOT NULL,          -- the HMAC key (32 random bytes)
    created_ts INTEGER NOT NULL,
    revoked_ts INTEGER             -- NULL while valid
) WITHOUT ROWID;

-- Accounts. balance = sum of credits - sum of debits, in fen; the sum over all accounts is 0.
-- Ids are fixed by a formula (ledger/accounts.hpp) so the writer never looks one up:
--   1            the bank: outside money (deposits in, withdrawals out); negative
--   16 + c       network carrier c (index into the market file's carriers)
--   1024 + 2p    participant p's available (engine available + held by open orders);
--                for p = 0 (the exchange) this is the exchange's fee account
--   1025 + 2p    participant p's escrow (bought, not yet settled)
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('bank', 'carrier', 'fees', 'available', 'escrow')),
    owner INTEGER NOT NULL,  -- participant id, or carrier index; 0 for the bank
    name TEXT NOT NULL,
    balance INTEGER NOT NULL DEFAULT 0,
    updated_seq INTEGER NOT NULL DEFAULT 0  -- event seq of the batch that last changed it
);
INSERT OR IGNORE INTO accounts (id, kind, owner, name) VALUES (1, 'bank', 0, 'bank');
INSERT OR IGNORE INTO accounts (id, kind, owner, name) VALUES (1024, 'fees', 0, 'exchange fees');
INSERT OR IGNORE INTO accounts (id, kind, owner, name) VALUES (1025, 'escrow', 0, 'exchange escrow');

CREATE TABLE IF NOT EXISTS line_kinds (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
INSERT OR IGNORE INTO line_kinds VALUES
    (1, 'deposit'), (2, 'withdrawal'), (3, 'compute'), (4, 'energy'), (5, 'network'),
    (6, 'fee'), (7, 'refund');

-- Every movement of money: append-only. id = event_seq * 8 + line, so each engine event owns
-- ids [8 seq, 8 seq + 7] and applying an event twice inserts nothing new.
--   deposit     bank -> available(p)                     ref = command seq
--   withdrawal  available(p) -> bank                     ref = command seq
--   at a trade (lines 0..3), buyer's available -> buyer's escrow:
--               compute, energy, network, fee (the buyer's)       ref = trade id
--   at settlement (lines 0..4), out of the buyer's escrow:
--               compute -> seller, energy -> seller, network -> carrier,
--               fee (buyer's) -> exchange fees; and fee (seller's): seller -> exchange fees
--   at failure (line 0), refund: buyer's escrow -> buyer's available, the whole cost
-- Zero amounts are not recorded.
CREATE TABLE IF NOT EXISTS transfers (
    id INTEGER PRIMARY KEY,
    debit INTEGER NOT NULL,   -- account the money leaves
    credit INTEGER NOT NULL,  -- account the money enters
    amount INTEGER NOT NULL CHECK (amount > 0),
    kind INTEGER NOT NULL,    -- line_kinds.id
    ref INTEGER NOT NULL,     -- trade id (contract lines) or command seq (deposit, withdrawal)
    ts INTEGER NOT NULL       -- the event's stamp, ns since the Unix epoch (UTC)
);
CREATE TRIGGER IF NOT EXISTS transfers_no_update BEFORE UPDATE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are append-only'); END;
CREATE TRIGGER IF NOT EXISTS transfers_no_delete BEFORE DELETE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are append-only'); END;

-- One row per trade and the contract it created (the engine makes exactly one contract per
-- trade, so they share a row and a key: the engine's increasing trade id). The contract's lines
-- are its columns: compute and energy payable to the seller, network to the carrier, the
-- buyer's fee to the exchange; the seller's fee comes out of the seller's proceeds. The buyer
-- paid compute + energy + network + buyer_fee into escrow.
CREATE TABLE IF NOT EXISTS contracts (
    id INTEGER PRIMARY KEY,  -- engine trade id
    contract INTEGER NOT NULL,  -- engine contract id (what the API calls the contract)
    seq INTEGER NOT NULL,    -- event seq of the trade
    ts INTEGER NOT NULL,
    instrument INTEGER NOT NULL,  -- engine instrument id (packed chip, region, tenor, start)
    buyer INTEGER NOT NULL,
    seller INTEGER NOT NULL,
    buy_order INTEGER NOT NULL,
    sell_order INTEGER NOT NULL,
    aggressor INTEGER NOT NULL,  -- 0 buy, 1 sell
    auction INTEGER NOT NULL,    -- 1 when crossed in a call auction
    origin_region INTEGER NOT NULL,
    carrier INTEGER NOT NULL,
    price INTEGER NOT NULL,      -- fen per device-hour
    qty INTEGER NOT NULL,        -- devices
    compute INTEGER NOT NULL,
    energy INTEGER NOT NULL,
    network INTEGER NOT NULL,
    buyer_fee INTEGER NOT NULL,
    seller_fee INTEGER NOT NULL,
    status INTEGER NOT NULL,     -- 0 open, 1 settled, 2 failed
    closed_seq INTEGER NOT NULL, -- event seq of the settlement or failure; 0 while open
    closed_ts INTEGER NOT NULL
);
CREATE VIEW IF NOT EXISTS trades AS
    SELECT id, seq, ts, instrument, contract, buyer, seller, buy_order, sell_order, aggressor,
           auction, price, qty
    FROM contracts;

-- Posting lists: for each batch, which transfers touched an account (kind 0, owner = account
-- id) and which trades a participant bought (kind 1) or sold (kind 2) (owner = participant id).
-- `ids` holds the rowids, ascending, each as 8 bytes little-endian. Written once per (owner,
-- kind) per batch, so statements cost the writer nothing per row; a statement reads the posting
-- rows overlapping its time range, then fetches each transfer by its key.
CREATE TABLE IF NOT EXISTS postings (
    owner INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,  -- event seq of the first id listed
    last_seq INTEGER NOT NULL,
    first_ts INTEGER NOT NULL,
    last_ts INTEGER NOT NULL,
    ids BLOB NOT NULL,
    PRIMARY KEY (owner, kind, first_seq)
) WITHOUT ROWID;
