// L3 memory model for the HDL simulators: a 64-bit AXI4 RAM answering INCR bursts at one beat
// per cycle (reads and writes independently, back-to-back bursts without bubbles), the same
// behaviour as hetsoc.hw.axi.ram.AxiRam. The array `mem` is loadable by backdoor
// ($readmemh into hetsoc_sim_top.l3.mem). WORDS must be a power of two; addresses wrap.
`timescale 1ns/1ps

module hetsoc_axi_ram #(
    parameter integer WORDS = 2097152  // 16 MiB
) (
    input             clk,
    input             rst,
    input      [31:0] araddr,
    input      [7:0]  arlen,
    input             arvalid,
    output            arready,
    output reg [63:0] rdata,
    output reg        rlast,
    output reg        rvalid,
    input             rready,
    input      [31:0] awaddr,
    input      [7:0]  awlen,
    input             awvalid,
    output            awready,
    input      [63:0] wdata,
    input      [7:0]  wstrb,
    input             wlast,
    input             wvalid,
    output            wready,
    output            bvalid,
    input             bready
);
    localparam integer IW = $clog2(WORDS);
    reg [63:0] mem [0:WORDS-1];

    // Reads: a beat is fetched when the output slot is free or being taken.
    reg          ractive;
    reg [IW-1:0] raddr;
    reg [8:0]    rleft;
    wire issue = ractive && (!rvalid || rready);
    assign arready = !ractive || (issue && rleft == 9'd1);
    always @(posedge clk) begin
        if (rst) begin
            ractive <= 1'b0;
            rvalid <= 1'b0;
            rlast <= 1'b0;
        end else begin
            if (issue) begin
                rdata <= mem[raddr];
                raddr <= raddr + 1'b1;
                rleft <= rleft - 1'b1;
                rlast <= (rleft == 9'd1);
                rvalid <= 1'b1;
                if (rleft == 9'd1) ractive <= 1'b0;
            end else if (rready) begin
                rvalid <= 1'b0;
            end
            if (arvalid && arready) begin
                ractive <= 1'b1;
                raddr <= araddr[IW+2:3];
                rleft <= {1'b0, arlen} + 9'd1;
            end
        end
    end

    // Writes: beats land as they come; one B response per burst, counted.
    reg          wactive;
    reg [IW-1:0] waddr;
    reg [3:0]    bpending;
    wire wbeat = wvalid && wready;
    wire wend = wbeat && wlast;
    assign wready = wactive;
    assign awready = (!wactive || wend) && bpending < 4'd8;
    assign bvalid = bpending != 4'd0;
    integer i;
    always @(posedge clk) begin
        if (rst) begin
            wactive <= 1'b0;
            bpending <= 4'd0;
        end else begin
            if (wbeat) begin
                for (i = 0; i < 8; i = i + 1)
                    if (wstrb[i]) mem[waddr][8*i +: 8] <= wdata[8*i +: 8];
                waddr <= waddr + 1'b1;
                if (wlast) wactive <= 1'b0;
            end
            if (awvalid && awready) begin
                wactive <= 1'b1;
                waddr <= awaddr[IW+2:3];
            end
            bpending <= bpending + (wend ? 4'd1 : 4'd0) - ((bvalid && bready) ? 4'd1 : 4'd0);
        end
    end
endmodule
