// hetsoc_lut_engine: the engine of the int8 lookup-table unit (hetsoc-lut).
//
// Translates `count` bytes at L1 offset `src` into `dst` through a 256-entry table:
// dst[i] = table[src[i]], LANES bytes per L1 access, each lane with its own read of the table.
// The register page (hetsoc's AcceleratorPage, in Amaranth) stages the descriptor, pulses
// `start`, and keeps STATUS, the interrupt and the counters from `busy`, `done`, `code`,
// `stall` and `work`.
//
// L1 port: hetsoc's wide memory port. A request is held unchanged until `l1_req_ready`; every
// request, write included, gets one `l1_rsp_valid` at least a cycle later, in order. The engine
// keeps one request outstanding and issues the next in the cycle a response arrives: the write
// of word k as its read data comes back (translated combinationally), the read of word k + 1 as
// the write's response comes back. So an L1 that never stalls sustains one access per cycle:
// busy for 2 + 2 * ceil(count / LANES) cycles (check, first read, then a read and a write
// response per word); a refused descriptor is busy for one (the check) and moves no byte.
//
// Descriptor checks (codes of hetsoc_lut.spec.LutError): count 0 (EMPTY), src or dst not a
// multiple of LANES (ALIGN), src + count or dst + count beyond L1 (WINDOW), dst inside
// (src, src + count) or src inside (dst, dst + count) (OVERLAP: the engine reads word k + 1
// after writing word k, so only dst == src is safe).

module hetsoc_lut_engine #(
    parameter ADDR_W = 18,     // L1 byte address width: L1 is 2**ADDR_W bytes
    parameter LANES = 8        // bytes per L1 access: 8, 16 or 32
) (
    input  wire                 clk,
    input  wire                 rst,
    // engine side of the register page
    input  wire [95:0]          desc,       // word 0 src, word 1 dst, word 2 count
    input  wire                 start,
    output wire                 busy,
    output wire                 done,       // one cycle: the descriptor ended (code 0: ran)
    output wire [7:0]           code,
    output wire                 stall,      // this busy cycle waits on L1
    output wire [5:0]           work,       // bytes translated this cycle
    // table writes: entries tbl_index .. tbl_index + 3 from tbl_data, byte 0 first
    input  wire                 tbl_we,
    input  wire [7:0]           tbl_index,
    input  wire [31:0]          tbl_data,
    // L1 port
    output reg                  l1_req_valid,
    input  wire                 l1_req_ready,
    output reg  [ADDR_W-1:0]    l1_addr,
    output reg                  l1_we,
    output reg  [8*LANES-1:0]   l1_wdata,
    output reg  [LANES-1:0]     l1_wstrb,
    input  wire                 l1_rsp_valid,
    input  wire [8*LANES-1:0]   l1_rdata
);
    localparam LOG_LANES = LANES == 32 ? 5 : LANES == 16 ? 4 : 3;
    localparam [3:0] IDLE = 4'd0, CHECK = 4'd1, READ = 4'd2, READ_WAIT = 4'd3, WRITE = 4'd4,
                     WRITE_WAIT = 4'd5;
    localparam [7:0] E_NONE = 8'd0, E_EMPTY = 8'd1, E_ALIGN = 8'd2, E_WINDOW = 8'd3,
                     E_OVERLAP = 8'd4;

    reg [3:0]  state;
    reg [31:0] src, dst, count;
    reg [31:0] word;                    // index of the word in flight
    reg [8*LANES-1:0] held;             // a translated word whose write waits for ready

    // the table: one write port of 4 entries, LANES read ports
    reg [7:0] table_mem [0:255];
    integer i;
    initial for (i = 0; i < 256; i = i + 1) table_mem[i] = 8'd0;
    always @(posedge clk)
        if (tbl_we) begin
            table_mem[tbl_index]        <= tbl_data[7:0];
            table_mem[tbl_index + 8'd1] <= tbl_data[15:8];
            table_mem[tbl_index + 8'd2] <= tbl_data[23:16];
            table_mem[tbl_index + 8'd3] <= tbl_data[31:24];
        end

    wire [8*LANES-1:0] translated;
    genvar lane;
    generate
        for (lane = 0; lane < LANES; lane = lane + 1) begin : lookup
            assign translated[8*lane +: 8] = table_mem[l1_rdata[8*lane +: 8]];
        end
    endgenerate

    // the descriptor's checks, on the staged words (stable from start to the check)
    wire [31:0] d_src = desc[31:0], d_dst = desc[63:32], d_count = desc[95:64];
    wire [32:0] src_end = {1'b0, src} + {1'b0, count};
    wire [32:0] dst_end = {1'b0, dst} + {1'b0, count};
    wire [32:0] l1_bytes = 33'd1 << ADDR_W;
    wire [7:0] verdict =
        count == 32'd0 ? E_EMPTY :
        (src[LOG_LANES-1:0] != 0 || dst[LOG_LANES-1:0] != 0) ? E_ALIGN :
        (src_end > l1_bytes || dst_end > l1_bytes) ? E_WINDOW :
        ((dst > src && {1'b0, dst} < src_end) || (src > dst && {1'b0, src} < dst_end)) ? E_OVERLAP :
        E_NONE;

    // words and the last word's byte enables
    wire [31:0] words = (count + LANES - 1) >> LOG_LANES;
    wire last = word == words - 1;
    wire [LOG_LANES-1:0] tail = count[LOG_LANES-1:0];
    wire [LANES-1:0] strb = (last && tail != 0) ? ({LANES{1'b1}} >> (LANES - tail))
                                                : {LANES{1'b1}};
    wire [ADDR_W-1:0] read_addr = src[ADDR_W-1:0] + (word[ADDR_W-1:0] << LOG_LANES);
    wire [ADDR_W-1:0] next_read_addr = read_addr + LANES;
    wire [ADDR_W-1:0] write_addr = dst[ADDR_W-1:0] + (word[ADDR_W-1:0] << LOG_LANES);

    reg [3:0] next_state;
    reg ended;
    reg [7:0] end_code;
    always @* begin
        next_state = state;
        ended = 1'b0;
        end_code = E_NONE;
        l1_req_valid = 1'b0;
        l1_we = 1'b0;
        l1_addr = read_addr;
        l1_wdata = held;
        l1_wstrb = {LANES{1'b0}};
        case (state)
            IDLE:
                if (start) next_state = CHECK;
            CHECK:
                if (verdict != E_NONE) begin
                    ended = 1'b1;
                    end_code = verdict;
                    next_state = IDLE;
                end else
                    next_state = READ;
            READ: begin
                l1_req_valid = 1'b1;
                if (l1_req_ready) next_state = READ_WAIT;
            end
            READ_WAIT:
                if (l1_rsp_valid) begin     // write the word back in the response's cycle
                    l1_req_valid = 1'b1;
                    l1_we = 1'b1;
                    l1_addr = write_addr;
                    l1_wdata = translated;
                    l1_wstrb = strb;
                    next_state = l1_req_ready ? WRITE_WAIT : WRITE;
                end
            WRITE: begin                    // the same write, held until accepted
                l1_req_valid = 1'b1;
                l1_we = 1'b1;
                l1_addr = write_addr;
                l1_wstrb = strb;
                if (l1_req_ready) next_state = WRITE_WAIT;
            end
            WRITE_WAIT:
                if (l1_rsp_valid) begin
                    if (last) begin
                        ended = 1'b1;
                        next_state = IDLE;
                    end else begin          // read the next word in the response's cycle
                        l1_req_valid = 1'b1;
                        l1_addr = next_read_addr;
                        next_state = l1_req_ready ? READ_WAIT : READ;
                    end
                end
            default:
                next_state = IDLE;
        endcase
    end

    always @(posedge clk) begin
        if (rst) begin
            state <= IDLE;
        end else begin
            state <= next_state;
            if (state == IDLE && start) begin
                src <= d_src;
                dst <= d_dst;
                count <= d_count;
                word <= 32'd0;
            end
            if (state == READ_WAIT && l1_rsp_valid) held <= translated;
            if (state == WRITE_WAIT && l1_rsp_valid && !last) word <= word + 32'd1;
        end
    end

    // the write accepted this cycle translated its enabled bytes
    reg [5:0] written;
    integer b;
    always @* begin
        written = 6'd0;
        for (b = 0; b < LANES; b = b + 1) written = written + {5'd0, l1_wstrb[b]};
    end

    assign busy = state != IDLE;
    assign done = ended;
    assign code = end_code;
    assign work = (l1_req_valid && l1_req_ready && l1_we) ? written : 6'd0;
    assign stall = (l1_req_valid && !l1_req_ready)
                   || ((state == READ_WAIT || state == WRITE_WAIT) && !l1_rsp_valid);
endmodule
